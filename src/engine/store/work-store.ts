/**
 * The durable store of `ubom serve`: works and their attempts in SQLite (WAL), each
 * query a prepared statement made once. Every state change is written here before it
 * is acted on, so a crash loses nothing.
 */
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { WorkResult, WorkStatus } from "../../core/result.ts";

/** Where a work is in its life; the first two are not final. */
export type StoredStatus = "queued" | "running" | WorkStatus;

/** Every status, for API filters. */
export const STORED_STATUSES: readonly StoredStatus[] = ["queued", "running", "succeeded", "failed", "cancelled", "timed_out"];

/** A work as stored. `body` holds what runs (secrets as submitted); `display` is masked. */
export interface StoredWork {
  seq: number;
  id: string;
  type: string;
  status: StoredStatus;
  body: string;
  display: string;
  body_hash: string;
  labels: string;
  submitted_at: number;
  updated_at: number;
  not_before: number;
  attempts: number;
  result: string | null;
  cancel_requested: number;
}

/** One attempt of a work. */
export interface StoredAttempt {
  work_id: string;
  number: number;
  started_at: number;
  finished_at: number | null;
  status: string | null;
  error: string | null;
  /** The worker that ran it, in a cluster (host:pid). */
  worker?: string;
}

/** What a submission stores. */
export interface NewWork {
  id: string;
  type: string;
  body: string;
  display: string;
  body_hash: string;
  labels: string;
}

/** A filter of the work list. */
export interface WorkQuery {
  status?: StoredStatus;
  type?: string;
  /** `key=value` */
  label?: string;
  limit: number;
  /** The seq after which to continue. */
  after?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS works (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  body TEXT NOT NULL,
  display TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '{}',
  submitted_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  not_before INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  result TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS works_by_status ON works (status, seq);
CREATE INDEX IF NOT EXISTS works_by_type ON works (type, seq);
CREATE TABLE IF NOT EXISTS attempts (
  work_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT,
  error TEXT,
  PRIMARY KEY (work_id, number)
);
`;

/** The works and attempts of one data folder. */
export class WorkStore {
  private readonly db: Database;
  private readonly statements: Record<string, Statement>;
  private readonly pendingInserts: { work: NewWork; resolve: (row: StoredWork | undefined) => void; reject: (error: unknown) => void }[] = [];
  /** Runs `fn` in one transaction. */
  readonly transaction: <T>(fn: () => T) => T;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, "ubom.sqlite"), { create: true, strict: true });
    // WAL: readers never block the writer; NORMAL: durable across process crashes.
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
    this.db.exec(SCHEMA);
    const prepare = (sql: string) => this.db.prepare(sql);
    this.statements = {
      insert: prepare(
        `INSERT INTO works (id, type, status, body, display, body_hash, labels, submitted_at, updated_at)
         VALUES ($id, $type, 'queued', $body, $display, $body_hash, $labels, $now, $now)
         ON CONFLICT (id) DO NOTHING RETURNING *`,
      ),
      get: prepare("SELECT * FROM works WHERE id = ?"),
      due: prepare("SELECT seq, id, type FROM works WHERE status = 'queued' AND not_before <= ? ORDER BY seq LIMIT ?"),
      nextDue: prepare("SELECT MIN(not_before) AS at FROM works WHERE status = 'queued'"),
      start: prepare("UPDATE works SET status = 'running', attempts = attempts + 1, updated_at = $now WHERE id = $id AND status = 'queued' RETURNING *"),
      attemptStart: prepare("INSERT INTO attempts (work_id, number, started_at) VALUES (?, ?, ?)"),
      attemptEnd: prepare("UPDATE attempts SET finished_at = ?, status = ?, error = ? WHERE work_id = ? AND number = ?"),
      finish: prepare("UPDATE works SET status = $status, result = $result, updated_at = $now WHERE id = $id"),
      requeue: prepare("UPDATE works SET status = 'queued', not_before = $not_before, updated_at = $now WHERE id = $id"),
      cancelQueued: prepare("UPDATE works SET status = 'cancelled', result = $result, cancel_requested = 1, updated_at = $now WHERE id = $id AND status = 'queued' RETURNING *"),
      requestCancel: prepare("UPDATE works SET cancel_requested = 1, updated_at = ? WHERE id = ? AND status = 'running'"),
      attempts: prepare("SELECT * FROM attempts WHERE work_id = ? ORDER BY number"),
      interrupted: prepare("SELECT * FROM works WHERE status = 'running'"),
      countByStatus: prepare("SELECT status, COUNT(*) AS n FROM works GROUP BY status"),
    };
    this.transaction = <T>(fn: () => T): T => this.db.transaction(fn)() as T;
  }

  /** Stores a new queued work; returns the stored row, or undefined when the id is taken. */
  insert(work: NewWork): StoredWork | undefined {
    return (this.statements.insert!.get({ ...work, now: Date.now() }) as StoredWork | null) ?? undefined;
  }

  /**
   * Stores a new queued work with the others submitted in the same turn of the event loop,
   * in one transaction (a group commit); resolves once it is committed, with undefined
   * when the id is taken.
   */
  insertSoon(work: NewWork): Promise<StoredWork | undefined> {
    return new Promise((resolve, reject) => {
      this.pendingInserts.push({ work, resolve, reject });
      if (this.pendingInserts.length === 1) setImmediate(() => this.flushInserts());
    });
  }

  private flushInserts(): void {
    const batch = this.pendingInserts.splice(0);
    let rows: (StoredWork | undefined)[];
    try {
      rows = this.transaction(() => batch.map(({ work }) => this.insert(work)));
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve }, index) => resolve(rows[index]));
  }

  get(id: string): StoredWork | undefined {
    return (this.statements.get!.get(id) as StoredWork | null) ?? undefined;
  }

  /** Queued works whose delay has passed, in submission order. */
  due(limit: number, now = Date.now()): { seq: number; id: string; type: string }[] {
    return this.statements.due!.all(now, limit) as { seq: number; id: string; type: string }[];
  }

  /** When the next delayed work becomes due, if any is queued. */
  nextDueAt(): number | undefined {
    return (this.statements.nextDue!.get() as { at: number | null }).at ?? undefined;
  }

  /** Moves a queued work to running and records its new attempt, atomically (nested in a caller's transaction when there is one). */
  start(id: string): StoredWork | undefined {
    return this.transaction(() => {
      const now = Date.now();
      const row = this.statements.start!.get({ id, now }) as StoredWork | null;
      if (row) this.statements.attemptStart!.run(id, row.attempts, now);
      return row ?? undefined;
    });
  }

  /** Ends an attempt: the work becomes final with `result`, or queued again after `retryAt`. */
  endAttempt(id: string, attempt: number, result: WorkResult, retryAt?: number): void {
    this.transaction(() => {
      const now = Date.now();
      this.statements.attemptEnd!.run(now, result.status, result.error ? JSON.stringify(result.error) : null, id, attempt);
      if (retryAt === undefined) this.statements.finish!.run({ id, status: result.status, result: JSON.stringify(result), now });
      else this.statements.requeue!.run({ id, not_before: retryAt, now });
    });
  }

  /** Queues a work again, due at `notBefore`. */
  requeue(id: string, notBefore: number): void {
    this.statements.requeue!.run({ id, not_before: notBefore, now: Date.now() });
  }

  /** Makes a work final with `result`. */
  finish(id: string, result: WorkResult): void {
    this.statements.finish!.run({ id, status: result.status, result: JSON.stringify(result), now: Date.now() });
  }

  /** Cancels a queued work outright; returns it, or undefined when it was not queued. */
  cancelQueued(id: string, result: WorkResult): StoredWork | undefined {
    return (this.statements.cancelQueued!.get({ id, result: JSON.stringify(result), now: Date.now() }) as StoredWork | null) ?? undefined;
  }

  /** Marks a running work for cancellation (the scheduler aborts it). */
  requestCancel(id: string): void {
    this.statements.requestCancel!.run(Date.now(), id);
  }

  attempts(id: string): StoredAttempt[] {
    return this.statements.attempts!.all(id) as StoredAttempt[];
  }

  /** Works a crash left running. */
  interrupted(): StoredWork[] {
    return this.statements.interrupted!.all() as StoredWork[];
  }

  /** Marks an interrupted attempt as such. */
  markInterrupted(id: string, attempt: number): void {
    this.statements.attemptEnd!.run(Date.now(), "interrupted", JSON.stringify({ code: "interrupted", message: "the server stopped during this attempt" }), id, attempt);
  }

  /** Works by status. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of this.statements.countByStatus!.all() as { status: string; n: number }[]) counts[row.status] = row.n;
    return counts;
  }

  /** A page of works, newest first, with the cursor of the next page. */
  list(query: WorkQuery): { works: StoredWork[]; next?: number } {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: query.limit + 1 };
    if (query.status) (where.push("status = $status"), (params.status = query.status));
    if (query.type) (where.push("type = $type"), (params.type = query.type));
    if (query.label) {
      const [key, ...rest] = query.label.split("=");
      where.push("json_extract(labels, $label_path) = $label_value");
      params.label_path = `$."${key!.replace(/"/g, "")}"`;
      params.label_value = rest.join("=");
    }
    if (query.after !== undefined) (where.push("seq < $after"), (params.after = query.after));
    // Filters vary per call; SQLite caches the few shapes they take.
    const sql = `SELECT * FROM works ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT $limit`;
    const rows = this.db.query(sql).all(params) as StoredWork[];
    const more = rows.length > query.limit;
    const works = more ? rows.slice(0, query.limit) : rows;
    return { works, next: more ? works.at(-1)!.seq : undefined };
  }

  /** Whether the store can write (for /readyz). */
  writable(): boolean {
    try {
      this.db.exec("BEGIN IMMEDIATE; ROLLBACK;");
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.db.close();
  }
}
