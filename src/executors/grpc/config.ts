/** The gRPC executor's schemas: a work's `executor_config`, and the executor's own config. */
import { Type, type Static } from "@sinclair/typebox";
import { Duration, EXPECTATION, Secret, SecretOrString } from "../../schemas/types.ts";

/** Every gRPC status code name, in code order. */
export const GRPC_CODE_NAMES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
] as const;

const CodeName = Type.Union(GRPC_CODE_NAMES.map((name) => Type.Literal(name)));

/** The `executor_config` of a grpc work. */
export const GrpcConfig = Type.Object(
  {
    endpoint: Type.String({
      pattern: "^(?:dns:///[^/]+:\\d+|unix:///.+|[^/:\\s]+:\\d+|\\[[0-9a-fA-F:]+\\]:\\d+)$",
      [EXPECTATION]: "host:port, dns:///host:port or unix:///path",
    }),
    method: Type.String({
      pattern: "^[A-Za-z_][A-Za-z0-9_.]*\\.[A-Za-z_][A-Za-z0-9_]*/[A-Za-z_][A-Za-z0-9_]*$",
      [EXPECTATION]: "package.Service/Method",
    }),
    proto: Type.Optional(
      Type.Object(
        {
          files: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: "The .proto files that define the service" }),
          import_paths: Type.Array(Type.String(), { default: [], description: "Folders searched for the files and their imports" }),
        },
        { additionalProperties: false },
      ),
    ),
    reflection: Type.Optional(Type.Boolean({ description: "Ask the server for its descriptors; the default when no proto files are given" })),
    reflection_metadata: Type.Record(Type.String(), SecretOrString(), { default: {}, description: "Metadata sent with reflection requests only" }),
    tls: Type.Object(
      {
        enabled: Type.Boolean({ default: false }),
        ca_cert: Type.Optional(Type.String({ description: "PEM text, or the path of a PEM file" })),
        client_cert: Type.Optional(Type.String({ description: "PEM text, or the path of a PEM file, for mutual TLS" })),
        client_key: Type.Optional(Secret({ description: 'PEM text; {"file": "/path/key.pem"} reads it from a file' })),
        server_name: Type.Optional(Type.String({ description: "Name to verify the server's certificate against" })),
        insecure_skip_verify: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    metadata: Type.Record(Type.String(), SecretOrString(), { default: {}, description: 'Request metadata; a value may name a secret ({"env": "NAME"})' }),
    timeout: Type.Optional(Duration({ description: "Per attempt of the call; never past the work's deadline" })),
    retry: Type.Object(
      {
        max_attempts: Type.Integer({ minimum: 1, maximum: 20, default: 1 }),
        initial_delay: Duration({ default: "100ms" }),
        max_delay: Duration({ default: "5s" }),
        multiplier: Type.Number({ minimum: 1, default: 2 }),
        retryable_codes: Type.Array(CodeName, { default: ["UNAVAILABLE", "RESOURCE_EXHAUSTED", "ABORTED"] }),
      },
      { additionalProperties: false, default: {} },
    ),
    keepalive: Type.Optional(
      Type.Object(
        {
          time: Duration({ default: "30s", description: "Ping after this long without activity" }),
          timeout: Duration({ default: "10s", description: "Close the channel when a ping is not answered within this" }),
          permit_without_calls: Type.Boolean({ default: false }),
        },
        { additionalProperties: false },
      ),
    ),
    max_message_bytes: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024 }),
    load_balancing: Type.Union([Type.Literal("pick_first"), Type.Literal("round_robin")], { default: "pick_first" }),
    output: Type.Object(
      {
        int64_as_string: Type.Boolean({ default: true }),
        enums_as_names: Type.Boolean({ default: true }),
        include_defaults: Type.Boolean({ default: true }),
      },
      { additionalProperties: false, default: {} },
    ),
    max_stream_messages: Type.Integer({ minimum: 1, default: 10_000, description: "A server stream's messages kept; the rest are dropped and flagged" }),
  },
  { additionalProperties: false },
);
export type GrpcConfig = Static<typeof GrpcConfig>;

/** The gRPC executor's own config: `executors.grpc` in ubom.json. */
export const GrpcExecutorConfig = Type.Object(
  {
    channel_idle_timeout: Duration({ default: "5m", description: "A pooled channel unused this long is closed" }),
    descriptor_cache_ttl: Duration({ default: "5m", description: "How long descriptors from reflection are reused" }),
  },
  { additionalProperties: false },
);
export type GrpcExecutorConfig = Static<typeof GrpcExecutorConfig>;
