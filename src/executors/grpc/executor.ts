/**
 * The `grpc` executor: calls any unary or server-streaming method with a JSON request,
 * message types from server reflection or .proto files, over pooled channels.
 */
import type { Client, Metadata, StatusObject } from "@grpc/grpc-js";
import type protobuf from "protobufjs";
import { backoffDelayMs, parseBackoff, sleepUnlessAborted } from "../../core/backoff.ts";
import { silentLogger, type ExecutionContext, type Logger } from "../../core/context.ts";
import { parseDuration } from "../../core/duration.ts";
import { UbomError, ValidationError, type ValidationIssue } from "../../core/errors.ts";
import type { WorkMetadata } from "../../core/metadata.ts";
import { workFailed, workSucceeded, type WorkResult } from "../../core/result.ts";
import type { Work } from "../../core/work.ts";
import { CompiledSchema } from "../../schemas/schema-validator.ts";
import { VERSION } from "../../version.ts";
import { BuiltinExecutor } from "../builtin-executor.ts";
import type { HealthAttributes, ManagedExecutor } from "../managed-executor.ts";
import { ChannelPool, loadGrpc, type GrpcModule, type PooledChannel } from "./channel-pool.ts";
import { GRPC_CODE_NAMES, GrpcConfig, GrpcExecutorConfig } from "./config.ts";
import { messageFromJson, messageToJson } from "./message-json.ts";
import { loadProtoFiles } from "./proto-files.ts";

const DEFAULT_OPTIONS = new CompiledSchema<GrpcExecutorConfig>(GrpcExecutorConfig).parse({});

const METADATA: WorkMetadata = {
  name: "grpc",
  version: VERSION,
  description: "Calls a unary or server-streaming gRPC method with a JSON request; types from reflection or .proto files",
  supported_types: ["grpc"],
  capabilities: { cancellable: true, streams_logs: true, server_reflection: true, pooled_channels: true },
  examples: [{ name: "health check", executor_config: { endpoint: "localhost:50051", method: "grpc.health.v1.Health/Check" } }],
};

/** A method, resolved from its descriptors. */
interface ResolvedMethod {
  path: string;
  requestType: protobuf.Type;
  responseType: protobuf.Type;
  serverStreaming: boolean;
}

/** How one call ended. */
interface CallOutcome {
  status: StatusObject;
  responses: protobuf.Message[];
  headers: Record<string, unknown>;
  truncated: boolean;
}

function splitMethod(method: string): { service: string; name: string } {
  const [service, name] = method.split("/") as [string, string];
  return { service, name };
}

const resolvedMethods = new WeakMap<protobuf.Root, Map<string, ResolvedMethod>>();

/** A method of a Root, resolved once per Root; client- and bidi-streaming are refused with a clear message. */
function resolveMethod(root: protobuf.Root, methodName: string): ResolvedMethod {
  let methods = resolvedMethods.get(root);
  if (!methods) resolvedMethods.set(root, (methods = new Map()));
  let resolved = methods.get(methodName);
  if (!resolved) methods.set(methodName, (resolved = resolveMethodOnce(root, methodName)));
  return resolved;
}

function resolveMethodOnce(root: protobuf.Root, methodName: string): ResolvedMethod {
  const { service, name } = splitMethod(methodName);
  let method: protobuf.Method | undefined;
  try {
    method = root.lookupService(service).methods[name];
  } catch {
    throw new UbomError(`service ${service} is not defined by the descriptors`, { code: "grpc.method_not_found", details: { method: methodName } });
  }
  if (!method) throw new UbomError(`service ${service} has no method ${name}`, { code: "grpc.method_not_found", details: { method: methodName } });
  method.resolve();
  if (method.requestStream) {
    const kind = method.responseStream ? "bidi-streaming" : "client-streaming";
    throw new ValidationError([{ path: "executor_config.method", message: `${methodName} is ${kind}; only unary and server-streaming methods can run as works` }]);
  }
  return { path: `/${service}/${name}`, requestType: method.resolvedRequestType!, responseType: method.resolvedResponseType!, serverStreaming: !!method.responseStream };
}

const OK = 0;

function toMetadata(grpc: GrpcModule, values: Record<string, unknown>): Metadata {
  const metadata = new grpc.Metadata();
  // Secrets are resolved by the engine before execute: every value is a string here.
  for (const [key, value] of Object.entries(values)) metadata.add(key, String(value));
  return metadata;
}

function usesReflection(config: GrpcConfig): boolean {
  return config.reflection ?? !config.proto;
}

/** Runs gRPC calls. */
export class GrpcExecutor extends BuiltinExecutor implements ManagedExecutor {
  private options: GrpcExecutorConfig = DEFAULT_OPTIONS;
  private logger: Logger = silentLogger;
  readonly pool = new ChannelPool(parseDuration(DEFAULT_OPTIONS.channel_idle_timeout));
  private grpc?: GrpcModule;
  private readonly reflected = new Map<string, { root: Promise<protobuf.Root>; expires: number }>();

  constructor() {
    super(METADATA, GrpcConfig, GrpcExecutorConfig);
  }

  async initialize(config: Record<string, unknown>, logger: Logger): Promise<void> {
    this.options = config as GrpcExecutorConfig;
    this.logger = logger.child({ executor: "grpc" });
  }

  start(): void {
    this.pool.start(parseDuration(this.options.channel_idle_timeout, "executors.grpc.channel_idle_timeout"));
  }

  async shutdown(): Promise<void> {
    this.pool.closeAll();
    this.reflected.clear();
  }

  async healthCheck(): Promise<HealthAttributes> {
    return { "grpc.channels": this.pool.size, "grpc.active_calls": this.pool.activeCalls, "grpc.cached_descriptors": this.reflected.size };
  }

  /**
   * Checks the config; with proto files and no reflection, also the method's kind and the
   * input against the request message, so a bad field fails before any call.
   */
  protected override extraChecks(work: Work): ValidationIssue[] {
    try {
      this.checkAgainstProtoFiles(work);
      return [];
    } catch (error) {
      if (error instanceof ValidationError) return error.issues;
      throw error;
    }
  }

  private checkAgainstProtoFiles(work: Work): void {
    const config = work.executor_config as GrpcConfig;
    if (!config.proto || usesReflection(config)) return;
    let method: ResolvedMethod;
    try {
      method = resolveMethod(loadProtoFiles(config.proto.files, config.proto.import_paths), config.method);
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      throw new ValidationError([{ path: error instanceof UbomError && error.code === "grpc.proto_not_found" ? "executor_config.proto.files" : "executor_config.method", message: (error as Error).message }]);
    }
    this.requestFor(method, work.input);
  }

  async execute(ctx: ExecutionContext, work: Work): Promise<WorkResult> {
    const config = work.executor_config as GrpcConfig;
    this.grpc ??= await loadGrpc();
    const channel = this.pool.acquire(this.grpc, config);
    try {
      const method = await this.methodFor(config, channel.client, ctx.signal);
      const request = this.requestFor(method, work.input);
      return await this.callWithRetries(ctx, work, config, channel, method, request);
    } finally {
      this.pool.release(channel);
    }
  }

  private requestFor(method: ResolvedMethod, input: unknown): protobuf.Message {
    const issues: ValidationIssue[] = [];
    const request = messageFromJson(method.requestType, input, "input", issues);
    if (issues.length) throw new ValidationError(issues, "the input does not fit the request message");
    return request;
  }

  /** The method's descriptors: reflection first (cached per endpoint), then proto files. */
  private async methodFor(config: GrpcConfig, client: Client, signal: AbortSignal): Promise<ResolvedMethod> {
    if (usesReflection(config)) {
      try {
        return resolveMethod(await this.reflect(config, client, signal), config.method);
      } catch (error) {
        if (!config.proto || error instanceof ValidationError) throw error;
        this.logger.debug("grpc.reflection_fallback", { endpoint: config.endpoint, error: (error as Error).message });
      }
    }
    return resolveMethod(loadProtoFiles(config.proto!.files, config.proto!.import_paths), config.method);
  }

  private reflect(config: GrpcConfig, client: Client, signal: AbortSignal): Promise<protobuf.Root> {
    const { service } = splitMethod(config.method);
    const extra = Object.keys(config.reflection_metadata).length ? JSON.stringify(config.reflection_metadata) : "";
    const key = `${config.endpoint}|${config.tls.enabled}|${service}|${extra}`;
    const cached = this.reflected.get(key);
    if (cached && cached.expires > Date.now()) return cached.root;
    // The reflection client (and protobufjs's descriptor support) loads on first use.
    const root = Promise.all([loadGrpc(), import("./reflection-client.ts")]).then(([grpc, { reflectService }]) =>
      reflectService(client, service, toMetadata(grpc, config.reflection_metadata), signal),
    );
    const ttl = parseDuration(this.options.descriptor_cache_ttl, "executors.grpc.descriptor_cache_ttl");
    this.reflected.set(key, { root, expires: Date.now() + ttl });
    // A failed reflection is not cached: the next work asks again.
    root.catch(() => this.reflected.delete(key));
    return root;
  }

  private async callWithRetries(
    ctx: ExecutionContext,
    work: Work,
    config: GrpcConfig,
    channel: PooledChannel,
    method: ResolvedMethod,
    request: protobuf.Message,
  ): Promise<WorkResult> {
    const retry = parseBackoff(config.retry, "executor_config.retry");
    const timeoutMs = config.timeout ? parseDuration(config.timeout, "executor_config.timeout") : undefined;
    const delays: number[] = [];
    let attempt = 0;
    let outcome: CallOutcome;
    for (;;) {
      attempt += 1;
      outcome = await this.call(ctx, config, channel.client, method, request, timeoutMs);
      const name = GRPC_CODE_NAMES[outcome.status.code] ?? "UNKNOWN";
      const retryable = (config.retry.retryable_codes as readonly string[]).includes(name);
      if (outcome.status.code === OK || !retryable || attempt >= config.retry.max_attempts || ctx.signal.aborted) break;
      const delay = backoffDelayMs(retry, attempt);
      delays.push(delay);
      ctx.logger.info("grpc.retrying", { attempt, code: name, delay_ms: delay });
      if (!(await sleepUnlessAborted(delay, ctx.signal))) break;
    }

    const codeName = GRPC_CODE_NAMES[outcome.status.code] ?? "UNKNOWN";
    const metadata = {
      endpoint: config.endpoint,
      method: config.method,
      grpc_status: { code: outcome.status.code, name: codeName },
      details: outcome.status.details,
      headers: outcome.headers,
      trailers: outcome.status.metadata.toJSON(),
      call_attempts: attempt,
      retry_delays_ms: delays,
      ...(method.serverStreaming ? { messages: outcome.responses.length, messages_truncated: outcome.truncated } : {}),
    };
    const responses = outcome.responses.map((response) => messageToJson(method.responseType, response, config.output));
    const output = method.serverStreaming ? responses : responses[0];
    if (outcome.status.code === OK) return workSucceeded(work, output, { metadata });
    return workFailed(
      work,
      {
        code: `grpc.${codeName}`,
        message: `${config.method} failed with ${codeName}: ${outcome.status.details}`,
        retryable: (config.retry.retryable_codes as readonly string[]).includes(codeName),
        details: { grpc_code: outcome.status.code, grpc_details: outcome.status.details },
      },
      { metadata, output },
    );
  }

  /** One call; resolves with its status whatever it is, cancelled when `ctx.signal` aborts. */
  private call(ctx: ExecutionContext, config: GrpcConfig, client: Client, method: ResolvedMethod, request: protobuf.Message, timeoutMs?: number): Promise<CallOutcome> {
    const deadlines = [timeoutMs === undefined ? Infinity : Date.now() + timeoutMs, ctx.deadline?.getTime() ?? Infinity];
    const deadline = Math.min(...deadlines);
    const callOptions = Number.isFinite(deadline) ? { deadline: new Date(deadline) } : {};
    const serialize = (message: protobuf.Message) => Buffer.from(method.requestType.encode(message).finish());
    const deserialize = (bytes: Buffer) => method.responseType.decode(bytes);
    const metadata = toMetadata(this.grpc!, config.metadata);
    return new Promise((resolve) => {
      const responses: protobuf.Message[] = [];
      let headers: Record<string, unknown> = {};
      let truncated = false;
      const call = method.serverStreaming
        ? client.makeServerStreamRequest(method.path, serialize, deserialize, request, metadata, callOptions)
        : client.makeUnaryRequest(method.path, serialize, deserialize, request, metadata, callOptions, (_error, response) => {
            if (response) responses.push(response);
          });
      const onAbort = () => call.cancel();
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      call.on("metadata", (received: Metadata) => {
        headers = received.toJSON();
      });
      if (method.serverStreaming) {
        call.on("data", (message: protobuf.Message) => {
          ctx.log("stdout", JSON.stringify(messageToJson(method.responseType, message, config.output)));
          if (responses.length < config.max_stream_messages) responses.push(message);
          else truncated = true;
        });
        // Errors arrive again as the status; listening keeps them from being thrown.
        call.on("error", () => {});
      }
      call.on("status", (status: StatusObject) => {
        ctx.signal.removeEventListener("abort", onAbort);
        // grpc-js runs the unary callback (which keeps the response) before emitting 'status'.
        resolve({ status, responses, headers, truncated });
      });
    });
  }
}
