/** The work document: what to run, on which executor, with which limits. */

/** The name of a kind of work (`docker`, `grpc`, `http`, …); one executor owns each. */
export type WorkType = string;

/** How the engine retries a failed attempt whose error is retryable. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  max_attempts?: number;
  /** Delay before the second attempt, as a duration string. */
  initial_delay?: string;
  /** Upper bound of any delay. */
  max_delay?: string;
  /** Factor applied to the delay after each attempt. */
  multiplier?: number;
}

/** A unit of work, as written in a work file or an API body. */
export interface Work {
  id: string;
  type: WorkType;
  name?: string;
  executor_config: Record<string, unknown>;
  input?: unknown;
  /** Per attempt, as a duration string ("30s"). */
  timeout?: string;
  retry?: RetryPolicy;
  labels?: Record<string, string>;
}
