/**
 * The `queue` section of ubom.json (and `--queue nats://…`): where the NATS JetStream
 * cluster is, how to authenticate, and the settings of the streams ubom creates in it.
 */
import { Type, type Static } from "@sinclair/typebox";
import { Duration, EXPECTATION, Secret } from "../../../schemas/types.ts";

export const QueueConfig = Type.Object(
  {
    url: Type.String({
      pattern: "^(nats|tls)://[^\\s,]+(,(nats|tls)://[^\\s,]+)*$",
      [EXPECTATION]: "nats://host:port, several separated by commas",
      description: "The NATS servers; credentials belong in token/user/password/creds_file, not in the URL",
    }),
    prefix: Type.String({
      default: "ubom",
      pattern: "^[a-z][a-z0-9_]{0,31}$",
      [EXPECTATION]: "lower-case letters, digits and '_', starting with a letter",
      description: "Prefix of every subject, stream and bucket, so several ubom installations can share one NATS",
    }),
    name: Type.Optional(Type.String({ description: "Client name shown by the NATS server (default: ubom-<role>-<host>-<pid>)" })),
    token: Type.Optional(Secret({ description: "Token authentication" })),
    user: Type.Optional(Type.String()),
    password: Type.Optional(Secret()),
    creds_file: Type.Optional(Type.String({ description: "A .creds file (JWT and NKey seed) for decentralized auth" })),
    tls: Type.Optional(
      Type.Object(
        {
          ca_file: Type.Optional(Type.String({ description: "CA certificate(s) that sign the servers' certificates" })),
          cert_file: Type.Optional(Type.String({ description: "Client certificate, for mutual TLS" })),
          key_file: Type.Optional(Type.String({ description: "Client key, for mutual TLS" })),
        },
        { additionalProperties: false },
      ),
    ),
    stream: Type.Object(
      {
        replicas: Type.Integer({ minimum: 1, maximum: 5, default: 1, description: "Copies of each submitted work; 3 survives the loss of one server" }),
        storage: Type.Union([Type.Literal("file"), Type.Literal("memory")], { default: "file" }),
        max_age: Duration({ default: "0", description: "Drop works not taken within this long; 0 keeps them until taken" }),
        duplicate_window: Duration({ default: "2m", description: "How long a work id is remembered for de-duplication of publishes" }),
      },
      { additionalProperties: false, default: {} },
    ),
    results: Type.Object(
      {
        replicas: Type.Integer({ minimum: 1, maximum: 5, default: 1 }),
        storage: Type.Union([Type.Literal("file"), Type.Literal("memory")], { default: "file" }),
        ttl: Duration({ default: "0", description: "Forget works (status and result) this long after their last change; 0 keeps them" }),
      },
      { additionalProperties: false, default: {} },
    ),
    ack_wait: Duration({ default: "30s", description: "How long a silent worker keeps a work before it is redelivered; workers report progress every third of it" }),
    max_interruptions: Type.Integer({
      minimum: 0,
      maximum: 100,
      default: 5,
      description: "Times a work may be redelivered because its worker vanished before it is failed as `interrupted`",
    }),
  },
  { additionalProperties: false },
);
export type QueueConfig = Static<typeof QueueConfig>;

/** The `worker` section: what one `ubom worker` runs and how. */
export const WorkerConfig = Type.Object(
  {
    concurrency: Type.Object(
      {
        global: Type.Integer({ minimum: 1, default: 8 }),
        per_type: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), { default: {} }),
      },
      { additionalProperties: false, default: {} },
    ),
    types: Type.Optional(Type.Array(Type.String(), { description: "Take only these work types (default: every type this worker has an executor for)" })),
    admin_listen: Type.Optional(
      Type.String({ pattern: "^[^\\s:]+:\\d+$|^\\[[0-9a-fA-F:]+\\]:\\d+$", [EXPECTATION]: "host:port", description: "Where to serve /healthz and /metrics; none when absent" }),
    ),
    shutdown_grace: Duration({ default: "30s", description: "How long running works may finish after SIGTERM before they are handed back to the queue" }),
  },
  { additionalProperties: false },
);
export type WorkerConfig = Static<typeof WorkerConfig>;
