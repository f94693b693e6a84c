/**
 * The one path every caller (CLI, API, workers) runs a work through: look-up,
 * validation, secrets, timeout, cancellation, retry, log capture — and always a
 * WorkResult back, whatever the executor did.
 */
import { silentLogger, type ExecutionContext, type Logger, type WorkContext } from "../core/context.ts";
import { backoffDelayMs, parseBackoff, sleepUnlessAborted, type Backoff } from "../core/backoff.ts";
import { parseDuration } from "../core/duration.ts";
import { PluginError, toUbomError, UbomError, WorkCancelledError, WorkTimeoutError } from "../core/errors.ts";
import { isRetryableOutcome, WORK_STATUSES, type ExecutorRef, type LogLine, type LogStream, type WorkResult, type WorkResultError, type WorkStatus } from "../core/result.ts";
import type { RetryPolicy, Work } from "../core/work.ts";
import type { EnhancedWorkExecutor } from "../executors/enhanced-work-executor.ts";
import type { EnhancedWorkRegistry } from "../executors/enhanced-work-registry.ts";
import { isExternalWorkPlugin } from "../plugins/external-work-plugin.ts";
import { Redactor, redactorFor, resolveSecrets } from "../schemas/secrets.ts";
import { DEFAULT_MAX_LOG_BYTES, LogCapture } from "./log-capture.ts";

/** Options of an engine, shared by every work it runs. */
export interface WorkEngineOptions {
  logger?: Logger;
  /** Cap of captured log text per work. @default 262144 */
  maxLogBytes?: number;
  /** How long to wait for an executor to stop after its signal aborts before giving up on it. @default 30000 */
  stopGraceMs?: number;
}

/** Options of one run. */
export interface RunOptions {
  /** Abort with a WorkCancelledError to cancel the work. */
  signal?: AbortSignal;
  /** Where the work sits in a larger run; the engine sets `attempt`. */
  workContext?: Omit<WorkContext, "attempt">;
  /** Receives each log line live, already redacted. */
  onLog?: (line: LogLine) => void;
  /**
   * Run only this attempt (1 for the first) and no retries: for callers that persist
   * retries themselves, as `ubom serve` does.
   */
  singleAttempt?: number;
}

const ABANDONED = Symbol("abandoned");
const NO_SECRETS = new Redactor([]);

/** Retry policy with durations in milliseconds. */
interface CompiledRetry extends Backoff {
  maxAttempts: number;
}

const NO_RETRY: CompiledRetry = { maxAttempts: 1, initialDelayMs: 1_000, maxDelayMs: 60_000, multiplier: 2 };

function compileRetry(policy: RetryPolicy | undefined): CompiledRetry {
  return policy ? { maxAttempts: policy.max_attempts ?? 1, ...parseBackoff(policy) } : NO_RETRY;
}

/** Waits for the executor; once the signal aborts, waits at most `graceMs` more. */
function untilStoppedOrAbandoned<T>(running: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T | typeof ABANDONED> {
  return new Promise((resolve, reject) => {
    let grace: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      grace = setTimeout(resolve, graceMs, ABANDONED);
    };
    const settle = () => {
      clearTimeout(grace);
      signal.removeEventListener("abort", onAbort);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    running.then(
      (value) => (settle(), resolve(value)),
      (error) => (settle(), reject(error)),
    );
  });
}

function isWorkResult(value: unknown): value is WorkResult {
  return typeof value === "object" && value !== null && WORK_STATUSES.includes((value as WorkResult).status);
}

function statusOfAbort(reason: unknown): WorkStatus {
  if (reason instanceof WorkCancelledError) return "cancelled";
  if (reason instanceof WorkTimeoutError) return "timed_out";
  return "failed";
}

/** What one attempt produced, before the engine adds its own fields. */
interface AttemptOutcome {
  status: WorkStatus;
  output?: unknown;
  error?: WorkResultError;
  metadata: Record<string, unknown>;
}

/**
 * Runs works on the executors of a registry.
 *
 * @example
 * const engine = new WorkEngine(registry, { logger });
 * const result = await engine.execute(JSON.parse(text), { signal });
 */
export class WorkEngine {
  readonly registry: EnhancedWorkRegistry;
  private readonly logger: Logger;
  private readonly maxLogBytes: number;
  private readonly stopGraceMs: number;

  constructor(registry: EnhancedWorkRegistry, options: WorkEngineOptions = {}) {
    this.registry = registry;
    this.logger = options.logger ?? silentLogger;
    this.maxLogBytes = options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.stopGraceMs = options.stopGraceMs ?? 30_000;
  }

  /** Validates and runs a work; never throws, always returns a WorkResult. */
  async execute(work: unknown, run: RunOptions = {}): Promise<WorkResult> {
    const startedAt = Date.now();
    let validated: Work;
    let executor: EnhancedWorkExecutor;
    let runnable: Work;
    let redactor: Redactor;
    let retry: CompiledRetry;
    let timeoutMs: number | undefined;
    try {
      validated = this.registry.validateWork(work);
      executor = this.registry.getExecutor(validated.type);
      const resolved = resolveSecrets(executor.getSchema().config, validated.executor_config, "executor_config");
      runnable = { ...validated, executor_config: resolved.value };
      redactor = resolved.secrets.length ? redactorFor(resolved.secrets) : NO_SECRETS;
      retry = compileRetry(validated.retry);
      timeoutMs = validated.timeout === undefined ? undefined : parseDuration(validated.timeout, "timeout");
    } catch (error) {
      return this.rejected(work, error, startedAt);
    }

    const metadata = executor.getMetadata();
    const executorRef: ExecutorRef = { type: validated.type, name: metadata.name, version: metadata.version };
    const logger = this.logger.child({ work_id: validated.id, type: validated.type });
    const capture = new LogCapture(this.maxLogBytes);
    const log = (stream: LogStream, text: string) => {
      const line = capture.add(stream, redactor.redactString(text));
      run.onLog?.(line);
    };

    let attempt = run.singleAttempt === undefined ? 0 : run.singleAttempt - 1;
    let outcome: AttemptOutcome;
    for (;;) {
      attempt += 1;
      logger.info("work.started", { attempt, executor: metadata.name });
      outcome = await this.attempt(executor, runnable, { ...run.workContext, attempt }, { logger, log, timeoutMs, signal: run.signal });
      if (!isRetryableOutcome(outcome) || attempt >= retry.maxAttempts || run.signal?.aborted || run.singleAttempt !== undefined) break;
      const delayMs = backoffDelayMs(retry, attempt);
      logger.warn("work.retrying", { attempt, status: outcome.status, error_code: outcome.error?.code, delay_ms: delayMs });
      if (!(await sleepUnlessAborted(delayMs, run.signal))) {
        const reason = run.signal?.reason;
        outcome = { status: statusOfAbort(reason), error: toUbomError(reason, "aborted").toResultError(), metadata: outcome.metadata };
        break;
      }
    }

    const finishedAt = Date.now();
    const result = redactor.redact<WorkResult>({
      work_id: validated.id,
      status: outcome.status,
      output: outcome.output,
      error: outcome.error,
      started_at: new Date(startedAt).toISOString(),
      finished_at: new Date(finishedAt).toISOString(),
      duration_ms: finishedAt - startedAt,
      attempts: attempt,
      executor: executorRef,
      metadata: outcome.metadata,
      logs: capture.result(),
    });
    const level = result.status === "succeeded" ? "info" : "warn";
    logger[level]("work.finished", {
      status: result.status,
      attempts: attempt,
      duration_ms: result.duration_ms,
      ...(result.error ? { error_code: result.error.code, error: result.error.message } : {}),
    });
    return result;
  }

  private async attempt(
    executor: EnhancedWorkExecutor,
    work: Work,
    workContext: WorkContext,
    parts: { logger: Logger; log: ExecutionContext["log"]; timeoutMs?: number; signal?: AbortSignal },
  ): Promise<AttemptOutcome> {
    const { logger, timeoutMs, signal: caller } = parts;
    // One controller per attempt, aborted with a reason that tags the outcome.
    const controller = new AbortController();
    const onCallerAbort = () => {
      logger.info("work.stopping", { attempt: workContext.attempt, reason: "cancel" });
      controller.abort(caller?.reason ?? new WorkCancelledError());
    };
    if (caller?.aborted) onCallerAbort();
    else caller?.addEventListener("abort", onCallerAbort, { once: true });
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            logger.info("work.stopping", { attempt: workContext.attempt, reason: "timeout", timeout_ms: timeoutMs });
            controller.abort(new WorkTimeoutError(timeoutMs));
          }, timeoutMs);
    const ctx: ExecutionContext = {
      signal: controller.signal,
      deadline: timeoutMs === undefined ? undefined : new Date(Date.now() + timeoutMs),
      logger,
      log: parts.log,
    };

    let returned: WorkResult | typeof ABANDONED | undefined;
    let thrown: unknown;
    try {
      const running = executor.execute(ctx, work, workContext);
      returned = caller || timer ? await untilStoppedOrAbandoned(running, controller.signal, this.stopGraceMs) : await running;
    } catch (error) {
      thrown = error;
    } finally {
      clearTimeout(timer);
      caller?.removeEventListener("abort", onCallerAbort);
    }

    const result = isWorkResult(returned) ? returned : undefined;
    if (result?.status === "succeeded") return { status: "succeeded", output: result.output, metadata: result.metadata ?? {} };
    // An executor that honours ctx.deadline itself (a gRPC deadline, say) may fail a moment
    // before the timer fires: past the deadline, that failure is the work's timeout.
    if (!controller.signal.aborted && ctx.deadline && Date.now() >= ctx.deadline.getTime()) controller.abort(new WorkTimeoutError(timeoutMs!));
    if (controller.signal.aborted) {
      const reason = controller.signal.reason;
      const error = toUbomError(reason, "aborted").toResultError();
      error.details = { ...error.details, executor_stopped: returned !== ABANDONED };
      return { status: statusOfAbort(reason), error, output: result?.output, metadata: result?.metadata ?? {} };
    }
    if (thrown !== undefined) return { status: "failed", error: this.wrapThrown(executor, thrown).toResultError(), metadata: {} };
    if (!result) {
      const error = new UbomError("the executor returned no valid WorkResult", { code: "executor_error" });
      return { status: "failed", error: error.toResultError(), metadata: {} };
    }
    const error = result.error ?? { code: result.status, message: `work ${result.status}`, retryable: false };
    return { status: result.status, output: result.output, error, metadata: result.metadata ?? {} };
  }

  /** Unknown errors are wrapped at the executor boundary: a plugin's as PluginError. */
  private wrapThrown(executor: EnhancedWorkExecutor, thrown: unknown): UbomError {
    if (thrown instanceof UbomError) return thrown;
    if (isExternalWorkPlugin(executor)) return new PluginError(executor.getPluginInfo().name, "execute", thrown);
    return toUbomError(thrown, "executor_error");
  }

  private executorNameOf(type: string): { name: string; version: string } {
    if (!this.registry.getOwner(type)) return { name: "", version: "" };
    const { name, version } = this.registry.getExecutor(type).getMetadata();
    return { name, version };
  }

  /** The result of a work that never ran: invalid, unknown type, unreadable secret. */
  private rejected(work: unknown, thrown: unknown, startedAt: number): WorkResult {
    const record = (typeof work === "object" && work !== null ? work : {}) as Partial<Work>;
    const type = typeof record.type === "string" ? record.type : "";
    const error = toUbomError(thrown).toResultError();
    const now = Date.now();
    this.logger.warn("work.rejected", { work_id: record.id, type, error_code: error.code, error: error.message });
    return {
      work_id: typeof record.id === "string" ? record.id : "",
      status: "failed",
      error,
      started_at: new Date(startedAt).toISOString(),
      finished_at: new Date(now).toISOString(),
      duration_ms: now - startedAt,
      attempts: 0,
      executor: { type, ...this.executorNameOf(type) },
      metadata: {},
      logs: { lines: [], truncated: false },
    };
  }
}
