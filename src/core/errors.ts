/**
 * The error classes of the contract. Each has a stable `code` (what callers and the HTTP
 * API switch on), a `retryable` flag (what the engine's retry policy reads) and JSON
 * `details`, as Temporal's ApplicationFailure carries type, nonRetryable and cause.
 */
import type { WorkResultError } from "./result.ts";

/** Options shared by every ubom error. */
export interface UbomErrorOptions {
  code: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * Base class of every ubom error. Executors throw it (or a subclass) with a namespaced
 * code such as `http.unexpected_status`; anything else thrown is wrapped by the engine.
 *
 * @example throw new UbomError("upstream said 503", { code: "http.unexpected_status", retryable: true })
 */
export class UbomError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(message: string, options: UbomErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }

  /** The error as it appears in a `WorkResult`. */
  toResultError(): WorkResultError {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

/** One failing value of a validation, with the dotted path of the field that holds it. */
export interface ValidationIssue {
  /** Dotted path from the work's root, e.g. `executor_config.resources.memory_limit`. */
  path: string;
  /** What was expected, in words, e.g. "Expected string". */
  message: string;
  /** The schema keyword or format that failed, when known. */
  expected?: string;
}

/** A work, config or input that does not fit its schema. Lists every problem, not the first. */
export class ValidationError extends UbomError {
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[], subject = "invalid work") {
    const lines = issues.map((issue) => `${issue.path || "(root)"}: ${issue.message}`);
    super(`${subject}: ${lines.join("; ")}`, { code: "validation_error", retryable: false, details: { issues } });
    this.issues = issues;
  }

  /** The same issues with every path moved under `prefix` (e.g. a nested config). */
  under(prefix: string, subject?: string): ValidationError {
    return new ValidationError(
      this.issues.map((issue) => ({ ...issue, path: issue.path ? `${prefix}.${issue.path}` : prefix })),
      subject,
    );
  }
}

/** A plugin failed during one operation (import, NewPlugin, initialize, execute, …). */
export class PluginError extends UbomError {
  readonly pluginName: string;
  readonly operation: string;
  readonly file?: string;

  constructor(pluginName: string, operation: string, cause: unknown, file?: string) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const where = file ? ` (${file})` : "";
    super(`plugin ${pluginName}${where}: ${operation}: ${reason}`, {
      code: "plugin_error",
      retryable: cause instanceof UbomError ? cause.retryable : false,
      details: { plugin: pluginName, operation, ...(file ? { file } : {}) },
      cause,
    });
    this.pluginName = pluginName;
    this.operation = operation;
    this.file = file;
  }

  /** The spec's `Err` field. */
  get err(): unknown {
    return this.cause;
  }
}

/** No executor is registered for a work's type. */
export class ExecutorNotFoundError extends UbomError {
  readonly workType: string;
  readonly knownTypes: string[];

  constructor(workType: string, knownTypes: string[]) {
    const known = knownTypes.length ? knownTypes.join(", ") : "none";
    super(`no executor for work type ${JSON.stringify(workType)}; known types: ${known}`, {
      code: "executor_not_found",
      details: { type: workType, known_types: knownTypes },
    });
    this.workType = workType;
    this.knownTypes = knownTypes;
  }
}

/** A second executor tried to claim a work type that another already owns. */
export class DuplicateExecutorError extends UbomError {
  constructor(workType: string, owner: string, claimant: string) {
    super(`work type ${JSON.stringify(workType)} is already registered by ${owner}; ${claimant} cannot claim it`, {
      code: "executor_conflict",
      details: { type: workType, owner, claimant },
    });
  }
}

/** A work (or one attempt of it) ran past its timeout. */
export class WorkTimeoutError extends UbomError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`work timed out after ${timeoutMs}ms`, { code: "timed_out", retryable: true, details: { timeout_ms: timeoutMs } });
    this.timeoutMs = timeoutMs;
  }
}

/** A work was cancelled on purpose; abort a signal with this to mark the outcome `cancelled`. */
export class WorkCancelledError extends UbomError {
  readonly reason: string;

  constructor(reason = "cancelled by caller") {
    super(`work cancelled: ${reason}`, { code: "cancelled", retryable: false, details: { reason } });
    this.reason = reason;
  }
}

/** Turns anything thrown into a ubom error, keeping the original as `cause`. */
export function toUbomError(thrown: unknown, code = "internal_error"): UbomError {
  if (thrown instanceof UbomError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new UbomError(message || "unknown error", { code, cause: thrown });
}
