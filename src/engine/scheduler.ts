/**
 * The queue of `ubom serve`: takes works from the store in submission order, runs them
 * under global and per-type concurrency limits, persists every attempt and every retry
 * delay, cancels on request, and recovers what a crash left running.
 */
import { backoffDelayMs, parseBackoff } from "../core/backoff.ts";
import { silentLogger, type Logger } from "../core/context.ts";
import { WorkCancelledError } from "../core/errors.ts";
import { closingResult, isRetryableOutcome, type LogLine, type WorkResult } from "../core/result.ts";
import { endOfLog } from "./queue/work-queue.ts";
import type { Work } from "../core/work.ts";
import type { StoredWork, WorkStore } from "./store/work-store.ts";
import type { WorkEngine } from "./work-engine.ts";

/** Concurrency limits. */
export interface ConcurrencyLimits {
  global: number;
  per_type: Record<string, number>;
}

/** What the scheduler reports, for metrics. */
export interface SchedulerObserver {
  workFinished(type: string, result: WorkResult): void;
  workRetried(type: string): void;
}

interface Running {
  type: string;
  controller: AbortController;
  lines: LogLine[];
  listeners: Set<(line: LogLine) => void>;
}

const NO_OBSERVER: SchedulerObserver = { workFinished() {}, workRetried() {} };

function finalResult(row: StoredWork, status: "cancelled" | "failed", code: string, message: string): WorkResult {
  return closingResult(row.id, row.type, row.attempts, status, code, message);
}

export class WorkScheduler {
  private readonly running = new Map<string, Running>();
  private readonly runningByType = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly followersOfQueued = new Map<string, Set<(line: LogLine) => void>>();
  private readonly endings: { row: StoredWork; work: Work; result: WorkResult }[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  private timerAt = Infinity;
  private stopping = false;
  private pumping = false;
  private pumpRequested = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly store: WorkStore,
    private readonly engine: WorkEngine,
    private readonly limits: ConcurrencyLimits,
    private readonly logger: Logger = silentLogger,
    private readonly observer: SchedulerObserver = NO_OBSERVER,
  ) {}

  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Re-queues the works a crash left running when attempts remain (at-least-once), and
   * fails the others with code `interrupted`.
   */
  recover(): { requeued: number; failed: number } {
    let requeued = 0;
    let failed = 0;
    for (const row of this.store.interrupted()) {
      const maxAttempts = (JSON.parse(row.body) as Work).retry?.max_attempts ?? 1;
      this.store.transaction(() => {
        this.store.markInterrupted(row.id, row.attempts);
        if (row.attempts < maxAttempts) {
          this.store.requeue(row.id, Date.now());
          requeued += 1;
        } else {
          this.store.finish(row.id, finalResult(row, "failed", "interrupted", "the server stopped during the last attempt; no attempt remains"));
          failed += 1;
        }
      });
    }
    if (requeued || failed) this.logger.warn("scheduler.recovered", { requeued, failed });
    this.wakeAt();
    return { requeued, failed };
  }

  /**
   * Asks for a pump soon: the submissions and completions of one turn of the event loop
   * share it, so a burst costs one look at the queue, not one per work.
   */
  requestPump(): void {
    if (this.pumpRequested) return;
    this.pumpRequested = true;
    setImmediate(() => {
      this.pumpRequested = false;
      this.pump();
    });
  }

  /** Looks for due works and starts as many as the limits allow. */
  pump(): void {
    if (this.stopping || this.pumping) return;
    this.pumping = true;
    try {
      while (this.running.size < this.limits.global) {
        const room = this.limits.global - this.running.size;
        // Read past works whose type is full, so other types are not starved behind them.
        const due = this.store.due(room + 64);
        const chosen: string[] = [];
        const chosenByType = new Map<string, number>();
        for (const candidate of due) {
          if (chosen.length >= room) break;
          if (this.running.has(candidate.id)) continue;
          const typeLimit = this.limits.per_type[candidate.type];
          const taken = (this.runningByType.get(candidate.type) ?? 0) + (chosenByType.get(candidate.type) ?? 0);
          if (typeLimit !== undefined && taken >= typeLimit) continue;
          chosen.push(candidate.id);
          chosenByType.set(candidate.type, (chosenByType.get(candidate.type) ?? 0) + 1);
        }
        // One transaction for the whole batch: a commit per work would cost more than the work.
        const rows = this.store.transaction(() => chosen.map((id) => this.store.start(id)).filter((row): row is StoredWork => row !== undefined));
        for (const row of rows) this.launch(row);
        if (rows.length === 0 || due.length < room + 64) break;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Wakes up at `at` for a delayed retry (or, without `at`, for the earliest in the store). */
  private wakeAt(at = this.store.nextDueAt()): void {
    if (at === undefined || this.stopping || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timerAt = Infinity;
      this.pump();
      this.wakeAt();
    }, Math.max(10, Math.min(at - Date.now(), 60_000)));
  }

  private launch(row: StoredWork): void {
    const work = JSON.parse(row.body) as Work;
    const entry: Running = { type: row.type, controller: new AbortController(), lines: [], listeners: this.followersOfQueued.get(row.id) ?? new Set() };
    this.followersOfQueued.delete(row.id);
    this.running.set(row.id, entry);
    this.runningByType.set(row.type, (this.runningByType.get(row.type) ?? 0) + 1);
    this.logger.info("scheduler.started", { work_id: row.id, type: row.type, attempt: row.attempts });
    void this.engine
      .execute(work, {
        signal: entry.controller.signal,
        singleAttempt: row.attempts,
        onLog: (line) => {
          if (entry.lines.length < 10_000) entry.lines.push(line);
          for (const listener of entry.listeners) listener(line);
        },
      })
      .then((result) => this.finish(row, work, result));
  }

  /**
   * Records an ended attempt. Endings of one turn of the event loop are written in one
   * transaction; nothing is acted on (waiters woken, slots freed) before it commits.
   */
  private finish(row: StoredWork, work: Work, result: WorkResult): void {
    this.endings.push({ row, work, result });
    if (this.endings.length === 1) setImmediate(() => this.flushEndings());
  }

  private flushEndings(): void {
    const endings = this.endings.splice(0);
    const decided = endings.map(({ row, work, result }) => ({ row, result, retryAt: this.retryTime(row, work, result) }));
    try {
      this.store.transaction(() => {
        for (const { row, result, retryAt } of decided) this.store.endAttempt(row.id, row.attempts, result, retryAt);
      });
    } catch (error) {
      this.logger.error("scheduler.store_failed", { works: decided.length, error: (error as Error).message });
    }
    for (const { row, result, retryAt } of decided) {
      const entry = this.running.get(row.id)!;
      this.running.delete(row.id);
      this.runningByType.set(row.type, (this.runningByType.get(row.type) ?? 1) - 1);
      if (retryAt === undefined) {
        this.observer.workFinished(row.type, result);
        for (const wake of this.waiters.get(row.id) ?? []) wake();
        this.waiters.delete(row.id);
      } else {
        this.observer.workRetried(row.type);
        this.wakeAt(retryAt);
      }
      for (const listener of entry.listeners) listener(endOfLog());
      entry.listeners.clear();
    }
    if (this.running.size === 0) for (const done of this.idle) done();
    this.requestPump();
  }

  /** When a failed attempt runs again, or undefined when the work is done. */
  private retryTime(row: StoredWork, work: Work, result: WorkResult): number | undefined {
    const maxAttempts = work.retry?.max_attempts ?? 1;
    const cancelled = this.running.get(row.id)!.controller.signal.aborted;
    if (!isRetryableOutcome(result) || row.attempts >= maxAttempts || cancelled || this.stopping) return undefined;
    return Date.now() + backoffDelayMs(parseBackoff(work.retry), row.attempts);
  }


  /** Cancels a work: a queued one never starts, a running one has its signal aborted. */
  cancel(id: string, reason = "cancelled through the API"): StoredWork | undefined {
    const row = this.store.get(id);
    if (!row) return undefined;
    if (row.status === "queued") {
      const cancelled = this.store.cancelQueued(id, finalResult(row, "cancelled", "cancelled", `work cancelled: ${reason}`));
      if (cancelled) {
        this.releaseFollowersOfQueued(id);
        this.observer.workFinished(row.type, JSON.parse(cancelled.result!) as WorkResult);
        for (const wake of this.waiters.get(id) ?? []) wake();
        this.waiters.delete(id);
      }
      return this.store.get(id);
    }
    if (row.status === "running") {
      this.store.requestCancel(id);
      this.running.get(id)?.controller.abort(new WorkCancelledError(reason));
    }
    return this.store.get(id);
  }

  /** Resolves when the work reaches a final state, or after `ms`. */
  waitFor(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const timer = setTimeout(() => {
        set.delete(wake);
        resolve();
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      set.add(wake);
    });
  }

  /**
   * The lines so far of a running (or queued) work and a subscription to the next ones,
   * ending with an empty `system` line when the attempt ends; undefined when the work is
   * neither running nor queued.
   */
  follow(id: string, listener: (line: LogLine) => void): { lines: LogLine[]; stop: () => void } | undefined {
    const entry = this.running.get(id);
    if (entry) {
      entry.listeners.add(listener);
      return { lines: [...entry.lines], stop: () => entry.listeners.delete(listener) };
    }
    if (this.store.get(id)?.status !== "queued") return undefined;
    const waiting = this.followersOfQueued.get(id) ?? new Set();
    this.followersOfQueued.set(id, waiting);
    waiting.add(listener);
    return { lines: [], stop: () => waiting.delete(listener) };
  }

  /** Ends the followers of a work that ended without running (cancelled while queued). */
  private releaseFollowersOfQueued(id: string): void {
    for (const listener of this.followersOfQueued.get(id) ?? []) listener(endOfLog());
    this.followersOfQueued.delete(id);
  }

  /**
   * Stops starting works, lets the running ones finish within `graceMs`, then cancels the
   * rest with reason `shutdown` and waits for them to record their end.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const allDone = () => new Promise<void>((resolve) => (this.running.size === 0 ? resolve() : this.idle.add(resolve)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([allDone(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    if (this.running.size) {
      this.logger.warn("scheduler.cancelling_for_shutdown", { running: this.running.size });
      for (const [id, entry] of this.running) {
        this.store.requestCancel(id);
        entry.controller.abort(new WorkCancelledError("shutdown"));
      }
      await allDone();
    }
  }
}
