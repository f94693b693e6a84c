/** AWS Lambda through @aws-sdk/client-lambda, one client per region, endpoint and credentials. */
import type { LambdaClient } from "@aws-sdk/client-lambda";
import { UbomError } from "../../core/errors.ts";
import type { AwsConfig } from "./config.ts";
import { parseBody, type InvocationOutcome } from "./outcome.ts";

type Lambda = typeof import("@aws-sdk/client-lambda");
type AwsCredentials = NonNullable<AwsConfig["credentials"]>;

// The SDK is loaded on first use: it weighs on start-up, and most works are not Lambda calls.
let sdk: Promise<Lambda> | undefined;
const lambda = () => (sdk ??= import("@aws-sdk/client-lambda"));

async function credentialsFor(credentials: AwsCredentials | undefined) {
  if (!credentials) return undefined; // the SDK's default chain
  switch (credentials.type) {
    case "aws_iam":
      // Secrets are resolved by the engine before execute: these are strings here.
      return { accessKeyId: credentials.access_key as string, secretAccessKey: credentials.secret_key as string, sessionToken: credentials.session_token as string | undefined };
    case "env":
      return (await import("@aws-sdk/credential-providers")).fromEnv();
    case "profile":
      return (await import("@aws-sdk/credential-providers")).fromIni({ profile: credentials.profile });
    case "assume_role":
      return (await import("@aws-sdk/credential-providers")).fromTemporaryCredentials({
        params: { RoleArn: credentials.role_arn, ExternalId: credentials.external_id as string | undefined, RoleSessionName: credentials.session_name },
      });
  }
}

/** Lambda clients, reused across works: each keeps its connections alive. */
export class LambdaClients {
  private readonly clients = new Map<string, Promise<LambdaClient>>();

  get(config: AwsConfig): Promise<LambdaClient> {
    const key = JSON.stringify([config.region, config.endpoint, config.credentials]);
    let client = this.clients.get(key);
    if (!client) {
      client = (async () => {
        const { LambdaClient } = await lambda();
        // maxAttempts 1: the executor retries itself, recording attempts and delays.
        return new LambdaClient({ region: config.region, endpoint: config.endpoint, credentials: await credentialsFor(config.credentials), maxAttempts: 1 });
      })();
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key));
    }
    return client;
  }

  get size(): number {
    return this.clients.size;
  }

  closeAll(): void {
    for (const client of this.clients.values()) void client.then((c) => c.destroy(), () => {});
    this.clients.clear();
  }
}

/** "REPORT RequestId: … Duration: 12.3 ms Billed Duration: 13 ms …" from a log tail. */
function reportedDurations(log: string | undefined): Record<string, number> {
  const pick = (label: string) => Number(new RegExp(`\\b${label}: ([\\d.]+) ms`).exec(log ?? "")?.[1]);
  const duration = pick("Duration");
  const billed = pick("Billed Duration");
  return { ...(Number.isFinite(duration) ? { reported_duration_ms: duration } : {}), ...(Number.isFinite(billed) ? { billed_duration_ms: billed } : {}) };
}

const RETRYABLE_ERRORS = new Set(["TooManyRequestsException", "ServiceException", "EC2ThrottledException", "ResourceNotReadyException"]);
const AUTH_ERRORS = new Set(["InvalidSignatureException", "UnrecognizedClientException", "AccessDeniedException", "ExpiredTokenException", "IncompleteSignature"]);

export async function invokeLambda(clients: LambdaClients, config: AwsConfig, payload: unknown, signal: AbortSignal): Promise<InvocationOutcome> {
  const { InvokeCommand } = await lambda();
  const client = await clients.get(config);
  const started = performance.now();
  try {
    const response = await client.send(
      new InvokeCommand({
        FunctionName: config.function,
        Qualifier: config.qualifier,
        InvocationType: config.invocation_type === "async" ? "Event" : "RequestResponse",
        LogType: config.log_tail && config.invocation_type === "sync" ? "Tail" : "None",
        Payload: new TextEncoder().encode(JSON.stringify(payload ?? null)),
      }),
      { abortSignal: signal },
    );
    const log = response.LogResult ? Buffer.from(response.LogResult, "base64").toString("utf8") : undefined;
    const metadata = {
      provider: "aws",
      request_id: response.$metadata.requestId,
      status_code: response.StatusCode,
      executed_version: response.ExecutedVersion,
      duration_ms: Math.round(performance.now() - started),
      ...reportedDurations(log),
      ...(log === undefined ? {} : { log_tail: log }),
    };
    if (config.invocation_type === "async") return { ok: true, retryable: false, output: { request_id: response.$metadata.requestId, status_code: response.StatusCode }, metadata };
    const body = parseBody(response.Payload ? new TextDecoder().decode(response.Payload) : "", "application/json");
    if (response.FunctionError) {
      const failure = (typeof body === "object" && body !== null ? body : {}) as { errorType?: string; errorMessage?: string };
      return {
        ok: false,
        retryable: false,
        output: body,
        error: {
          code: "aws.function_error",
          message: `${config.function} failed (${response.FunctionError}): ${failure.errorType ?? "Error"}: ${failure.errorMessage ?? JSON.stringify(body)}`,
          retryable: false,
          details: { function_error: response.FunctionError, error_type: failure.errorType, error_message: failure.errorMessage },
        },
        metadata,
      };
    }
    return { ok: true, retryable: false, output: body, metadata };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const failure = error as Error & { $metadata?: { httpStatusCode?: number; requestId?: string }; retryAfterSeconds?: string; $fault?: string };
    const status = failure.$metadata?.httpStatusCode;
    if (status === undefined && !failure.$fault) {
      throw new UbomError(`cannot reach Lambda in ${config.region}: ${failure.message}`, { code: "aws.unreachable", retryable: true, cause: error });
    }
    const retryable = RETRYABLE_ERRORS.has(failure.name) || (status !== undefined && status >= 500);
    const code = AUTH_ERRORS.has(failure.name) || status === 403 ? "aws.auth_failed" : `aws.${failure.name}`;
    return {
      ok: false,
      retryable,
      retryAfterMs: failure.retryAfterSeconds ? Number(failure.retryAfterSeconds) * 1000 : undefined,
      error: { code, message: `invoking ${config.function} failed: ${failure.name}: ${failure.message}`, retryable, details: { status_code: status, error_name: failure.name } },
      metadata: { provider: "aws", request_id: failure.$metadata?.requestId, status_code: status, duration_ms: Math.round(performance.now() - started) },
    };
  }
}
