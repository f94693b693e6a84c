/**
 * What the HTTP API asks of the place works wait and run, whichever backend holds them:
 * the embedded SQLite store of one `ubom serve`, or a NATS JetStream cluster shared by API
 * nodes and `ubom worker` processes. Both answer with the same rows, so the API's
 * responses and semantics do not depend on the backend.
 */
import type { LogLine } from "../../core/result.ts";
import type { NewWork, StoredAttempt, StoredWork, WorkQuery } from "../store/work-store.ts";

/** A live view of a work's log: the lines so far and a way to stop following. */
export interface LogFollow {
  lines: LogLine[];
  stop: () => void;
}

/** A filter of the work list; the cursor is one a previous page gave. */
export type ListQuery = Omit<WorkQuery, "after"> & { cursor?: string };

export interface WorkQueue {
  /** Which backend this is, for logs and /readyz. */
  readonly backend: "embedded" | "nats";
  /** Stores a new queued work; undefined when the id is taken (by this work or another). */
  submit(work: NewWork): Promise<StoredWork | undefined>;
  get(id: string): Promise<StoredWork | undefined>;
  attempts(id: string): Promise<StoredAttempt[]>;
  /** A page of works, newest first, and the cursor of the next page. */
  list(query: ListQuery): Promise<{ works: StoredWork[]; next?: string }>;
  /** Cancels a work: a queued one never starts, a running one is aborted where it runs. */
  cancel(id: string, reason: string): Promise<StoredWork | undefined>;
  /** Resolves when the work reaches a final state, or after `ms`. */
  waitFor(id: string, ms: number): Promise<void>;
  /**
   * The lines so far of a running (or queued) work and a subscription to the next ones,
   * ending with an empty `system` line when the attempt ends; undefined when the work is
   * neither running nor queued.
   */
  follow(id: string, listener: (line: LogLine) => void): Promise<LogFollow | undefined>;
  /** Why the queue cannot take works now; empty when it can. */
  notReadyReasons(): Promise<string[]>;
  counts(): Promise<{ running: number; queued: number }>;
  /** Stops taking works and lets running ones end within `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}

/** The marker a follower receives when the attempt it follows has ended. */
export const endOfLog = (): LogLine => ({ time: new Date().toISOString(), stream: "system", line: "" });

export function isEndOfLog(line: LogLine): boolean {
  return line.stream === "system" && line.line === "";
}
