/**
 * The API node's side of a NATS JetStream cluster: a submission claims the work's id in
 * the results bucket and publishes the work on its type's subject (de-duplicated by id);
 * reads come from the bucket; cancels and live logs travel on plain NATS subjects to and
 * from the worker that runs the work. One watch of the bucket keeps a summary of every
 * work, for listing, counting and waking `?wait=` requests.
 */
import type { KvEntry, KvWatchEntry } from "@nats-io/kv";
import type { QueuedIterator } from "@nats-io/transport-node";
import type { Logger } from "../../../core/context.ts";
import { UbomError } from "../../../core/errors.ts";
import { closingResult, type LogLine } from "../../../core/result.ts";
import type { NewWork, StoredAttempt, StoredStatus, StoredWork } from "../../store/work-store.ts";
import { endOfLog, type ListQuery, type LogFollow, type WorkQueue } from "../work-queue.ts";
import { isFinalStatus, toStoredAttempts, toStoredWork, type ClusterRecord } from "./cluster-record.ts";
import type { NatsCluster } from "./nats-connection.ts";
import { tokenOf } from "./names.ts";

/** What the watch keeps of each work: enough to filter, sort and count. */
interface Summary {
  id: string;
  type: string;
  status: StoredStatus;
  submitted_at: number;
  labels: Record<string, string>;
}

/** A live log message: a line with its index in the attempt, or the attempt's end. */
export type LogMessage = { n: number; line: LogLine } | { end: true };

/** How old a claim without a message must be before a resubmission publishes it. */
const ORPHAN_AFTER_MS = 10_000;

/** How long a worker has to answer for a work's lines so far. */
const LOG_TAIL_TIMEOUT_MS = 500;

export function isRevisionConflict(error: unknown): boolean {
  return /wrong last sequence|key exists/i.test((error as Error)?.message ?? "");
}

function unavailable(cluster: NatsCluster, error: unknown): UbomError {
  return new UbomError(`the queue (NATS at ${cluster.servers}) did not answer: ${(error as Error).message}`, { code: "queue_unavailable", retryable: true });
}

export function parseRecord(entry: KvEntry | null): { record: ClusterRecord; revision: number } | undefined {
  if (!entry || entry.operation !== "PUT") return undefined;
  return { record: entry.json<ClusterRecord>(), revision: entry.revision };
}

export class NatsQueue implements WorkQueue {
  readonly backend = "nats";
  private readonly summaries = new Map<string, Summary>();
  private readonly statusCounts = new Map<StoredStatus, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Followers on this node, ended when the watch sees their work final. */
  private readonly endListeners = new Map<string, Set<() => void>>();
  private watcher?: QueuedIterator<KvWatchEntry>;
  private connected = true;

  private constructor(
    private readonly cluster: NatsCluster,
    private readonly logger: Logger,
  ) {}

  /** Opens the queue and starts the watch of the results bucket. */
  static async open(cluster: NatsCluster, logger: Logger): Promise<NatsQueue> {
    const queue = new NatsQueue(cluster, logger);
    queue.watcher = await cluster.results.watch();
    void queue.followWatch(queue.watcher);
    void queue.followConnection();
    return queue;
  }

  private async followWatch(watcher: QueuedIterator<KvWatchEntry>): Promise<void> {
    for await (const entry of watcher) {
      const id = this.summaries.get(entry.key)?.id;
      if (entry.operation !== "PUT") {
        if (id !== undefined) this.forget(entry.key);
        continue;
      }
      let record: ClusterRecord;
      try {
        record = entry.json<ClusterRecord>();
      } catch {
        continue;
      }
      this.remember(entry.key, record);
      if (isFinalStatus(record.status)) {
        for (const wake of this.waiters.get(record.id) ?? []) wake();
        this.waiters.delete(record.id);
        for (const end of this.endListeners.get(record.id) ?? []) end();
      }
    }
  }

  private remember(key: string, record: ClusterRecord): void {
    const previous = this.summaries.get(key);
    if (previous) this.statusCounts.set(previous.status, (this.statusCounts.get(previous.status) ?? 1) - 1);
    this.statusCounts.set(record.status, (this.statusCounts.get(record.status) ?? 0) + 1);
    this.summaries.set(key, { id: record.id, type: record.type, status: record.status, submitted_at: record.submitted_at, labels: previous?.labels ?? JSON.parse(record.labels) });
  }

  private forget(key: string): void {
    const previous = this.summaries.get(key)!;
    this.statusCounts.set(previous.status, (this.statusCounts.get(previous.status) ?? 1) - 1);
    this.summaries.delete(key);
  }

  private async followConnection(): Promise<void> {
    for await (const status of this.cluster.nc.status()) {
      if (status.type === "disconnect" && this.connected) {
        this.connected = false;
        this.logger.warn("queue.disconnected", { servers: this.cluster.servers });
      } else if (status.type === "reconnect") {
        this.connected = true;
        this.logger.info("queue.reconnected", { servers: this.cluster.servers });
      }
    }
  }

  private async read(id: string): Promise<{ record: ClusterRecord; revision: number } | undefined> {
    try {
      return parseRecord(await this.cluster.results.get(tokenOf(id)));
    } catch (error) {
      throw unavailable(this.cluster, error);
    }
  }

  /**
   * Claims the id in the bucket (only one submission of an id can), then publishes the
   * work with the id as JetStream's de-duplication id. A publish that fails releases the
   * claim, so the client's retry starts clean.
   */
  async submit(work: NewWork): Promise<StoredWork | undefined> {
    const now = Date.now();
    const record: ClusterRecord = {
      id: work.id,
      type: work.type,
      status: "queued",
      display: work.display,
      body_hash: work.body_hash,
      labels: work.labels,
      submitted_at: now,
      updated_at: now,
      attempts: 0,
      result: null,
      cancel_requested: false,
      history: [],
      message_seq: 0,
    };
    const key = tokenOf(work.id);
    const size = Math.max(Buffer.byteLength(work.body), Buffer.byteLength(JSON.stringify(record)));
    if (size > this.cluster.maxPayload()) {
      throw new UbomError(`the work takes ${size} bytes in the queue, more than its servers' max_payload of ${this.cluster.maxPayload()} bytes`, { code: "payload_too_large" });
    }
    let revision: number;
    try {
      revision = await this.cluster.results.create(key, JSON.stringify(record));
    } catch (error) {
      if (!isRevisionConflict(error)) throw unavailable(this.cluster, error);
      await this.republishIfLost(work);
      return undefined;
    }
    try {
      await this.publish(work);
    } catch (error) {
      await this.cluster.results.delete(key, { previousSeq: revision }).catch(() => undefined);
      throw unavailable(this.cluster, error);
    }
    return toStoredWork(record);
  }

  private async publish(work: NewWork): Promise<void> {
    await this.cluster.js.publish(this.cluster.names.workSubject(work.type, work.id), work.body, { msgID: work.id });
  }

  /**
   * A resubmission of a work that never started and has no message: its API node died
   * between the claim and the publish. Publishing it now (de-duplicated by id) lets the
   * client's retry heal it. A claim younger than ORPHAN_AFTER_MS may still be publishing.
   */
  private async republishIfLost(work: NewWork): Promise<void> {
    const found = await this.read(work.id);
    if (!found) return;
    const { record } = found;
    if (record.status !== "queued" || record.attempts > 0 || record.body_hash !== work.body_hash || Date.now() - record.submitted_at < ORPHAN_AFTER_MS) return;
    const subject = this.cluster.names.workSubject(work.type, work.id);
    try {
      // Only a definite "no such message" republishes: a second message of a live work would only be dropped, but costs a delivery.
      if (await this.cluster.jsm.streams.getMessage(this.cluster.names.workStream, { last_by_subj: subject })) return;
      await this.publish(work);
      this.logger.warn("queue.republished", { work_id: work.id, reason: "claimed but never published (an API node stopped between the two)" });
    } catch (error) {
      throw unavailable(this.cluster, error);
    }
  }

  async get(id: string): Promise<StoredWork | undefined> {
    const found = await this.read(id);
    return found && toStoredWork(found.record);
  }

  async attempts(id: string): Promise<StoredAttempt[]> {
    const found = await this.read(id);
    return found ? toStoredAttempts(found.record) : [];
  }

  /**
   * Newest first, from this node's summaries; the page's records are then read from the
   * bucket. The cursor is the last work's submission time and id.
   */
  async list(query: ListQuery): Promise<{ works: StoredWork[]; next?: string }> {
    let after: { at: number; id: string } | undefined;
    if (query.cursor !== undefined) {
      const match = /^(\d+):(.+)$/.exec(query.cursor);
      if (!match) throw new UbomError("cursor is not one this API gave", { code: "validation_error", details: { issues: [{ path: "cursor", message: "not a cursor" }] } });
      after = { at: Number(match[1]), id: match[2]! };
    }
    const [labelKey, ...labelRest] = query.label?.split("=") ?? [];
    const labelValue = labelRest.join("=");
    const newestFirst = (a: Summary, b: Summary) => b.submitted_at - a.submitted_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
    const matching = [...this.summaries.values()]
      .filter((summary) => (!query.status || summary.status === query.status) && (!query.type || summary.type === query.type) && (labelKey === undefined || summary.labels[labelKey] === labelValue))
      .filter((summary) => !after || newestFirst(summary, { submitted_at: after.at, id: after.id } as Summary) > 0)
      .sort(newestFirst);
    const page = matching.slice(0, query.limit);
    const records = await Promise.all(page.map((summary) => this.read(summary.id)));
    // A record gone from the bucket (expired by results.ttl: no watch event) leaves the summaries too.
    page.forEach((summary, index) => records[index] === undefined && this.summaries.has(tokenOf(summary.id)) && this.forget(tokenOf(summary.id)));
    const works = records.filter((found) => found !== undefined).map((found) => toStoredWork(found.record));
    const last = page.at(-1);
    return { works, next: matching.length > query.limit && last ? `${last.submitted_at}:${last.id}` : undefined };
  }

  /**
   * A queued work becomes `cancelled` at once (the worker that takes its message drops
   * it); a running one is marked and its worker told on the cancel subject.
   */
  async cancel(id: string, reason: string): Promise<StoredWork | undefined> {
    for (;;) {
      const found = await this.read(id);
      if (!found) return undefined;
      const { record, revision } = found;
      if (isFinalStatus(record.status)) return toStoredWork(record);
      const now = Date.now();
      const next: ClusterRecord =
        record.status === "queued"
          ? { ...record, status: "cancelled", cancel_requested: true, updated_at: now, result: closingResult(record.id, record.type, record.attempts, "cancelled", "cancelled", `work cancelled: ${reason}`) }
          : { ...record, cancel_requested: true, updated_at: now };
      try {
        await this.cluster.results.update(tokenOf(id), JSON.stringify(next), revision);
      } catch (error) {
        if (isRevisionConflict(error)) continue;
        throw unavailable(this.cluster, error);
      }
      if (next.status === "running") this.cluster.nc.publish(this.cluster.names.cancelSubject(id), JSON.stringify({ reason }));
      return toStoredWork(next);
    }
  }

  async waitFor(id: string, ms: number): Promise<void> {
    const summary = this.summaries.get(tokenOf(id));
    if (summary && isFinalStatus(summary.status)) return;
    await new Promise<void>((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      set.add(wake);
      // The watch may not have caught up with a work that ended just now.
      void this.read(id).then((found) => found && isFinalStatus(found.record.status) && wake(), () => undefined);
    });
  }

  /**
   * Subscribes to the work's log subject first, then asks the worker running it for the
   * lines so far; lines are numbered per attempt, so none is shown twice or missed.
   */
  async follow(id: string, listener: (line: LogLine) => void): Promise<LogFollow | undefined> {
    const found = await this.read(id);
    if (!found || isFinalStatus(found.record.status)) return undefined;
    let known = -1;
    const early: { n: number; line: LogLine }[] = [];
    let ended = false;
    const ends = this.endListeners.get(id) ?? new Set();
    this.endListeners.set(id, ends);
    const end = () => {
      if (ended) return;
      ended = true;
      stop();
      listener(endOfLog());
    };
    const subscription = this.cluster.nc.subscribe(this.cluster.names.logSubject(id), {
      callback: (error, msg) => {
        if (error || ended) return;
        const message = msg.json<LogMessage>();
        if ("end" in message) return end();
        if (known < 0) early.push(message);
        else if (message.n >= known) {
          known = message.n + 1;
          listener(message.line);
        }
      },
    });
    const stop = () => {
      subscription.unsubscribe();
      ends.delete(end);
      if (ends.size === 0) this.endListeners.delete(id);
    };
    ends.add(end);
    let lines: LogLine[] = [];
    try {
      await this.cluster.nc.flush();
      const reply = await this.cluster.nc.request(this.cluster.names.logTailSubject(id), "", { timeout: LOG_TAIL_TIMEOUT_MS });
      const tail = reply.json<{ lines: LogLine[]; total: number }>();
      lines = tail.lines;
      known = tail.total;
    } catch {
      // No worker runs it (yet): it is queued, or between attempts.
      known = 0;
    }
    for (const message of early) {
      if (message.n >= known) {
        known = message.n + 1;
        listener(message.line);
      }
    }
    // Ended while we subscribed: the end message went by before the subscription.
    const now = await this.read(id).catch(() => undefined);
    if (!now || isFinalStatus(now.record.status)) queueMicrotask(end);
    return { lines, stop };
  }

  async notReadyReasons(): Promise<string[]> {
    return this.connected && !this.cluster.nc.isClosed() ? [] : [`not connected to NATS at ${this.cluster.servers}`];
  }

  async counts(): Promise<{ running: number; queued: number }> {
    return { running: this.statusCounts.get("running") ?? 0, queued: this.statusCounts.get("queued") ?? 0 };
  }

  async shutdown(): Promise<void> {
    this.watcher?.stop();
    for (const set of this.waiters.values()) for (const wake of set) wake();
    await this.cluster.close();
  }
}
