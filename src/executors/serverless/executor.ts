/**
 * The `serverless` executor: AWS Lambda, Google Cloud Functions and Azure Functions, one
 * executor chosen by `provider`. The work's input is the payload, the response the output;
 * a function's own failure is a failed work, never a success.
 */
import { backoffDelayMs, parseBackoff, sleepUnlessAborted } from "../../core/backoff.ts";
import type { ExecutionContext } from "../../core/context.ts";
import { parseDuration } from "../../core/duration.ts";
import { UbomError, type ValidationIssue } from "../../core/errors.ts";
import type { WorkMetadata } from "../../core/metadata.ts";
import { workFailed, workSucceeded, type WorkResult } from "../../core/result.ts";
import type { Work } from "../../core/work.ts";
import { VERSION } from "../../version.ts";
import { BuiltinExecutor } from "../builtin-executor.ts";
import type { HealthAttributes, ManagedExecutor } from "../managed-executor.ts";
import { invokeLambda, LambdaClients } from "./aws.ts";
import { ServerlessConfig, ServerlessExecutorConfig, type AzureConfig, type GcpConfig } from "./config.ts";
import { invokeHttpFunction } from "./http-function.ts";
import { GcpFunctionUrls } from "./gcp-resolver.ts";
import { IdTokenSource } from "./id-token.ts";
import type { InvocationOutcome } from "./outcome.ts";

const METADATA: WorkMetadata = {
  name: "serverless",
  version: VERSION,
  description: "Invokes a function on AWS Lambda, Google Cloud Functions or Azure Functions",
  supported_types: ["serverless"],
  capabilities: { cancellable: true, streams_logs: false, providers: ["aws", "gcp", "azure"] },
  examples: [
    {
      name: "lambda",
      executor_config: {
        provider: "aws",
        function: "my-lambda-function",
        region: "us-east-1",
        credentials: { type: "aws_iam", access_key: "AKIAIOSFODNN7EXAMPLE", secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
        timeout: "30s",
      },
    },
  ],
};

function azureUrl(config: AzureConfig): string {
  return config.url ?? `https://${config.app}.azurewebsites.net/api/${config.function}`;
}

/** Invokes cloud functions. */
export class ServerlessExecutor extends BuiltinExecutor implements ManagedExecutor {
  private readonly lambdaClients = new LambdaClients();
  private readonly idTokens = new IdTokenSource();
  private readonly gcpUrls = new GcpFunctionUrls();

  constructor() {
    super(METADATA, ServerlessConfig, ServerlessExecutorConfig);
  }

  /** Nothing to set up: clients are made on first use, per provider, region and credentials. */
  async initialize(): Promise<void> {}

  start(): void {}

  async shutdown(): Promise<void> {
    this.lambdaClients.closeAll();
  }

  async healthCheck(): Promise<HealthAttributes> {
    return { "serverless.lambda_clients": this.lambdaClients.size };
  }

  protected override extraChecks(work: Work): ValidationIssue[] {
    const config = work.executor_config as ServerlessConfig;
    if (config.provider === "azure" && !config.url && !(config.app && config.function)) {
      return [{ path: "executor_config.url", message: "is required, unless app and function are both given" }];
    }
    if (config.provider === "gcp" && !config.url && !(config.project && config.region && config.function)) {
      return [{ path: "executor_config.url", message: "is required, unless project, region and function are all given" }];
    }
    return [];
  }

  async execute(ctx: ExecutionContext, work: Work): Promise<WorkResult> {
    const config = work.executor_config as ServerlessConfig;
    const backoff = parseBackoff(config.retry, "executor_config.retry");
    const timeoutMs = config.timeout ? parseDuration(config.timeout, "executor_config.timeout") : undefined;
    const delays: number[] = [];
    let attempt = 0;
    let outcome: InvocationOutcome;
    for (;;) {
      attempt += 1;
      // The work's signal bounds every call; `timeout` bounds each one more tightly.
      const signal = timeoutMs === undefined ? ctx.signal : AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
      try {
        outcome = await this.invoke(config, work.input, signal);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        if (signal.aborted) throw new UbomError(`no answer within ${config.timeout}`, { code: `${config.provider}.timeout`, details: { timeout: config.timeout } });
        throw error;
      }
      if (outcome.ok || !outcome.retryable || attempt >= config.retry.max_attempts) break;
      const delay = Math.max(backoffDelayMs(backoff, attempt), outcome.retryAfterMs ?? 0);
      delays.push(delay);
      ctx.logger.info("serverless.retrying", { attempt, error_code: outcome.error?.code, delay_ms: delay });
      if (!(await sleepUnlessAborted(delay, ctx.signal))) throw ctx.signal.reason;
    }
    const metadata = { ...outcome.metadata, attempts: attempt, retry_delays_ms: delays };
    if (outcome.ok) return workSucceeded(work, outcome.output, { metadata });
    return workFailed(work, outcome.error!, { metadata, output: outcome.output });
  }

  private async invoke(config: ServerlessConfig, payload: unknown, signal: AbortSignal): Promise<InvocationOutcome> {
    switch (config.provider) {
      case "aws":
        return invokeLambda(this.lambdaClients, config, payload, signal);
      case "gcp": {
        const url = await this.gcpUrls.resolve(config);
        return invokeHttpFunction({
          provider: "gcp",
          url,
          method: config.method,
          headers: config.auth ? { authorization: `Bearer ${await this.gcpToken(url, config, signal)}` } : {},
          payload,
          signal,
          requestIdHeaders: ["function-execution-id", "x-cloud-trace-context"],
          async: config.invocation_type === "async",
        });
      }
      case "azure": {
        const auth = config.auth as { type: "function_key"; key: string } | { type: "bearer"; token: string } | undefined;
        const headers: Record<string, string> =
          auth?.type === "function_key" ? { "x-functions-key": auth.key } : auth?.type === "bearer" ? { authorization: `Bearer ${auth.token}` } : {};
        return invokeHttpFunction({
          provider: "azure",
          url: azureUrl(config),
          method: config.method,
          headers,
          payload,
          signal,
          requestIdHeaders: ["x-ms-invocation-id", "x-ms-request-id"],
          async: config.invocation_type === "async",
        });
      }
    }
  }

  private gcpToken(url: string, config: GcpConfig, signal: AbortSignal): Promise<string> {
    const audience = new URL(url).origin + new URL(url).pathname;
    return this.idTokens.token(audience, config.credentials?.json as string | undefined, signal);
  }
}
