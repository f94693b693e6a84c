/** The serverless executor's schemas: one per provider, chosen by `provider`. */
import { Type, type Static } from "@sinclair/typebox";
import { Duration, EXPECTATION, Secret } from "../../schemas/types.ts";

const HTTP_URL = { pattern: "^https?://", [EXPECTATION]: "an http:// or https:// URL" };

/** Retries of throttling (429) and 5xx answers; a server's Retry-After wins when longer. */
const Retry = Type.Object(
  {
    max_attempts: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
    initial_delay: Duration({ default: "200ms" }),
    max_delay: Duration({ default: "10s" }),
  },
  { additionalProperties: false, default: {} },
);

const common = {
  timeout: Type.Optional(Duration({ description: "Per call; the work's own timeout still bounds it" })),
  retry: Retry,
  invocation_type: Type.Union([Type.Literal("sync"), Type.Literal("async")], { default: "sync" }),
};

/** AWS credentials: keys, the environment, a profile, a role to assume, or (absent) the default chain. */
const AwsCredentials = Type.Union(
  [
    Type.Object(
      { type: Type.Literal("aws_iam"), access_key: Secret(), secret_key: Secret(), session_token: Type.Optional(Secret()) },
      { additionalProperties: false },
    ),
    Type.Object({ type: Type.Literal("env") }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal("profile"), profile: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    Type.Object(
      {
        type: Type.Literal("assume_role"),
        role_arn: Type.String({ pattern: "^arn:aws[a-z-]*:iam::\\d{12}:role/", [EXPECTATION]: "an IAM role ARN" }),
        external_id: Type.Optional(Secret()),
        session_name: Type.String({ default: "ubom" }),
      },
      { additionalProperties: false },
    ),
  ],
  { discriminated_by: "type" },
);

/** AWS Lambda. */
export const AwsConfig = Type.Object(
  {
    provider: Type.Literal("aws"),
    function: Type.String({ minLength: 1, description: "Function name or ARN" }),
    region: Type.String({ pattern: "^[a-z]{2}(-[a-z]+)+-\\d$", [EXPECTATION]: "an AWS region like us-east-1" }),
    qualifier: Type.Optional(Type.String({ minLength: 1, description: "Version or alias" })),
    credentials: Type.Optional(AwsCredentials),
    endpoint: Type.Optional(Type.String({ ...HTTP_URL, description: "LocalStack or any endpoint that speaks the Lambda API" })),
    log_tail: Type.Boolean({ default: false, description: "Return the last 4 KB of the function's log" }),
    ...common,
  },
  { additionalProperties: false },
);
export type AwsConfig = Static<typeof AwsConfig>;

/** Google Cloud Functions (2nd gen) and Cloud Run, by URL or by project, region and function name. */
export const GcpConfig = Type.Object(
  {
    provider: Type.Literal("gcp"),
    url: Type.Optional(Type.String({ ...HTTP_URL, description: "The function's URL; also the ID token's audience" })),
    project: Type.Optional(Type.String({ pattern: "^[a-z][a-z0-9-]{4,61}[a-z0-9]$", [EXPECTATION]: "a Google Cloud project id" })),
    region: Type.Optional(Type.String({ pattern: "^[a-z]+-[a-z]+\\d+$", [EXPECTATION]: "a region like us-central1" })),
    function: Type.Optional(Type.String({ minLength: 1, description: "Resolved once to its URL through the Cloud Functions API" })),
    api_endpoint: Type.Optional(
      Type.String({ pattern: "^https?://[^/:]+:\\d+$", [EXPECTATION]: "scheme://host:port", description: "The Cloud Functions API, for an emulator; plaintext when http://" }),
    ),
    method: Type.Union([Type.Literal("POST"), Type.Literal("GET"), Type.Literal("PUT")], { default: "POST" }),
    auth: Type.Boolean({ default: true, description: "false for public functions: no ID token" }),
    credentials: Type.Optional(
      Type.Object(
        { type: Type.Literal("service_account"), json: Secret({ description: "The service account key file's JSON" }) },
        { additionalProperties: false, description: "Application Default Credentials when absent" },
      ),
    ),
    ...common,
  },
  { additionalProperties: false },
);
export type GcpConfig = Static<typeof GcpConfig>;

/** Azure Functions, HTTP-triggered. */
export const AzureConfig = Type.Object(
  {
    provider: Type.Literal("azure"),
    url: Type.Optional(Type.String({ ...HTTP_URL, description: "The function's URL" })),
    app: Type.Optional(Type.String({ pattern: "^[a-z0-9-]+$", [EXPECTATION]: "a function app name" })),
    function: Type.Optional(Type.String({ minLength: 1 })),
    method: Type.Union([Type.Literal("POST"), Type.Literal("GET"), Type.Literal("PUT")], { default: "POST" }),
    auth: Type.Optional(
      Type.Union(
        [
          Type.Object({ type: Type.Literal("function_key"), key: Secret() }, { additionalProperties: false }),
          Type.Object({ type: Type.Literal("bearer"), token: Secret({ description: "A Microsoft Entra access token" }) }, { additionalProperties: false }),
        ],
        { discriminated_by: "type" },
      ),
    ),
    ...common,
  },
  { additionalProperties: false },
);
export type AzureConfig = Static<typeof AzureConfig>;

/** The `executor_config` of a serverless work. */
export const ServerlessConfig = Type.Union([AwsConfig, GcpConfig, AzureConfig], { discriminated_by: "provider" });
export type ServerlessConfig = Static<typeof ServerlessConfig>;

/** The serverless executor's own config: `executors.serverless` in ubom.json. */
export const ServerlessExecutorConfig = Type.Object({}, { additionalProperties: false });
export type ServerlessExecutorConfig = Static<typeof ServerlessExecutorConfig>;
