/** The default backend: one process, its SQLite store and its scheduler. */
import { UbomError } from "../../core/errors.ts";
import type { LogLine } from "../../core/result.ts";
import type { WorkScheduler } from "../scheduler.ts";
import type { NewWork, StoredAttempt, StoredWork, WorkStore } from "../store/work-store.ts";
import type { ListQuery, LogFollow, WorkQueue } from "./work-queue.ts";

export class EmbeddedQueue implements WorkQueue {
  readonly backend = "embedded";

  constructor(
    private readonly store: WorkStore,
    private readonly scheduler: WorkScheduler,
  ) {}

  async submit(work: NewWork): Promise<StoredWork | undefined> {
    const row = await this.store.insertSoon(work);
    if (row) this.scheduler.requestPump();
    return row;
  }

  async get(id: string): Promise<StoredWork | undefined> {
    return this.store.get(id);
  }

  async attempts(id: string): Promise<StoredAttempt[]> {
    return this.store.attempts(id);
  }

  async list(query: ListQuery): Promise<{ works: StoredWork[]; next?: string }> {
    const after = query.cursor === undefined ? undefined : Number(query.cursor);
    if (after !== undefined && !Number.isInteger(after)) {
      throw new UbomError("cursor is not one this API gave", { code: "validation_error", details: { issues: [{ path: "cursor", message: "not a cursor" }] } });
    }
    const page = this.store.list({ ...query, after });
    return { works: page.works, next: page.next === undefined ? undefined : String(page.next) };
  }

  async cancel(id: string, reason: string): Promise<StoredWork | undefined> {
    return this.scheduler.cancel(id, reason);
  }

  waitFor(id: string, ms: number): Promise<void> {
    return this.scheduler.waitFor(id, ms);
  }

  async follow(id: string, listener: (line: LogLine) => void): Promise<LogFollow | undefined> {
    return this.scheduler.follow(id, listener);
  }

  async notReadyReasons(): Promise<string[]> {
    return this.store.writable() ? [] : ["the store is not writable"];
  }

  async counts(): Promise<{ running: number; queued: number }> {
    return { running: this.scheduler.runningCount, queued: this.store.counts().queued ?? 0 };
  }

  shutdown(graceMs: number): Promise<void> {
    return this.scheduler.shutdown(graceMs);
  }
}
