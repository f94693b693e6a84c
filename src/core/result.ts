/** What comes back for every work that was attempted, whatever happened to it. */
import type { Work, WorkType } from "./work.ts";

/** The tagged outcome of a work. */
export type WorkStatus = "succeeded" | "failed" | "cancelled" | "timed_out";

/** Every status, for schemas and checks. */
export const WORK_STATUSES: readonly WorkStatus[] = ["succeeded", "failed", "cancelled", "timed_out"];

/** The error of a result that did not succeed. */
export interface WorkResultError {
  code: string;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

/** Which output stream a log line came from. */
export type LogStream = "stdout" | "stderr" | "system";

/** One captured log line. */
export interface LogLine {
  time: string;
  stream: LogStream;
  line: string;
}

/** The log lines captured from a work, capped; `truncated` says lines were dropped. */
export interface WorkLogs {
  lines: LogLine[];
  truncated: boolean;
}

/** The executor that produced a result. */
export interface ExecutorRef {
  type: WorkType;
  name: string;
  version: string;
}

/** The detailed result of a work. The engine owns work_id, timings, attempts, executor and logs. */
export interface WorkResult {
  work_id: string;
  status: WorkStatus;
  output?: unknown;
  error?: WorkResultError;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  attempts: number;
  executor: ExecutorRef;
  /** Executor-specific facts: container id and exit code, gRPC status, request id, … */
  metadata: Record<string, unknown>;
  logs: WorkLogs;
}

/** Whether an outcome deserves another attempt: a timeout, or a failure marked retryable. */
export function isRetryableOutcome(outcome: { status: WorkStatus; error?: WorkResultError }): boolean {
  return outcome.status === "timed_out" || (outcome.status === "failed" && outcome.error?.retryable === true);
}

/** What an executor may add when it builds a result. */
export interface ResultExtras {
  metadata?: Record<string, unknown>;
  output?: unknown;
}

function resultShell(work: Work, status: WorkStatus): WorkResult {
  const now = new Date().toISOString();
  return {
    work_id: work.id,
    status,
    started_at: now,
    finished_at: now,
    duration_ms: 0,
    attempts: 1,
    executor: { type: work.type, name: "", version: "" },
    metadata: {},
    logs: { lines: [], truncated: false },
  };
}

/**
 * A succeeded result; the engine fills in timings and executor.
 *
 * @example return workSucceeded(work, { status: 200 }, { metadata: { url } })
 */
export function workSucceeded(work: Work, output: unknown, extras: Omit<ResultExtras, "output"> = {}): WorkResult {
  return { ...resultShell(work, "succeeded"), output, metadata: extras.metadata ?? {} };
}

/**
 * A failed result carrying `error`; the engine fills in timings and executor.
 *
 * @example return workFailed(work, { code: "exec.exit_code", message: "exited 3", retryable: false })
 */
export function workFailed(work: Work, error: WorkResultError, extras: ResultExtras = {}): WorkResult {
  return { ...resultShell(work, "failed"), error, output: extras.output, metadata: extras.metadata ?? {} };
}

/**
 * The result of a work that ends without an attempt of its own finishing: cancelled while
 * queued, interrupted on its last attempt, refused by a worker.
 */
export function closingResult(workId: string, type: string, attempts: number, status: "cancelled" | "failed", code: string, message: string): WorkResult {
  const now = new Date().toISOString();
  return {
    work_id: workId,
    status,
    error: { code, message, retryable: false },
    started_at: now,
    finished_at: now,
    duration_ms: 0,
    attempts,
    executor: { type, name: "", version: "" },
    metadata: {},
    logs: { lines: [], truncated: false },
  };
}
