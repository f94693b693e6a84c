/** Exponential backoff with jitter, shared by the engine's retries and executors' own. */

import { parseDuration } from "./duration.ts";

/** A backoff schedule in milliseconds. */
export interface Backoff {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
}

/** A retry policy as JSON writes it: durations as strings. */
export interface BackoffPolicy {
  initial_delay?: string;
  max_delay?: string;
  multiplier?: number;
}

/**
 * A written policy in milliseconds, parsed once; `field` names it in errors (e.g.
 * `executor_config.retry`). Missing values are the engine's defaults: 1s, 1m, ×2.
 */
export function parseBackoff(policy: BackoffPolicy | undefined, field = "retry"): Backoff {
  return {
    initialDelayMs: parseDuration(policy?.initial_delay ?? "1s", `${field}.initial_delay`),
    maxDelayMs: parseDuration(policy?.max_delay ?? "1m", `${field}.max_delay`),
    multiplier: policy?.multiplier ?? 2,
  };
}

/**
 * The delay before retry number `attempt` (1 for the first retry): exponential, capped,
 * with equal jitter — half fixed, half random — so retries of many works spread out.
 *
 * @example backoffDelayMs({ initialDelayMs: 100, maxDelayMs: 5_000, multiplier: 2 }, 3) // 200..400
 */
export function backoffDelayMs(backoff: Backoff, attempt: number, random = Math.random): number {
  const delay = Math.min(backoff.initialDelayMs * backoff.multiplier ** (attempt - 1), backoff.maxDelayMs);
  return Math.round(delay / 2 + (random() * delay) / 2);
}

/** Sleeps `ms`; resolves false (early) when `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
