/**
 * `ubom worker`: takes works of the types it has executors for from the shared durable
 * consumers, runs them through the engine and records every attempt in the results
 * bucket before acknowledging the message. While a work runs its message is kept in
 * progress; a retryable failure is handed back with the retry delay (a nak), a final one
 * is acked, and a work out of attempts is also published as a dead letter. A worker that
 * vanishes stops reporting progress, so JetStream redelivers its works to another.
 */
import type { JsMsg } from "@nats-io/jetstream";
import type { Subscription } from "@nats-io/transport-node";
import { backoffDelayMs, parseBackoff } from "../../../core/backoff.ts";
import type { Logger } from "../../../core/context.ts";
import { WorkCancelledError } from "../../../core/errors.ts";
import { closingResult, isRetryableOutcome, type LogLine, type WorkResult } from "../../../core/result.ts";
import type { Work } from "../../../core/work.ts";
import type { ConcurrencyLimits, SchedulerObserver } from "../../scheduler.ts";
import type { WorkEngine } from "../../work-engine.ts";
import { endedAttempts, interruptions, isFinalStatus, type ClusterAttempt, type ClusterRecord } from "./cluster-record.ts";
import { ensureConsumer, type NatsCluster } from "./nats-connection.ts";
import { cutLine, fitPayload, newestThatFit } from "./payload-fit.ts";
import { isRevisionConflict, parseRecord, type LogMessage } from "./nats-queue.ts";
import { tokenOf } from "./names.ts";

/** The newest lines kept in memory for a follower who joins late. */
const MAX_TAIL_LINES = 10_000;
/** How long a pull waits for messages before asking again. */
const FETCH_EXPIRES_MS = 1_000;
/** How often a running work's record is read for a cancel whose message was lost. */
const CANCEL_CHECK_MS = 5_000;
/** How long a message that arrived without a slot waits for one before going back. */
const PROBE_PATIENCE_MS = 1_000;
/** How long the bucket may be unreachable while a worker records an attempt. */
const PERSIST_PATIENCE_MS = 120_000;
/** The schema's highest `max_attempts`: the consumer's MaxDeliver is a backstop above it. */
const MAX_ATTEMPTS_CEILING = 100;

interface RunningWork {
  type: string;
  controller: AbortController;
  lines: LogLine[];
  nextLine: number;
  cancelRequested: boolean;
}

export interface WorkerOptions {
  /** This worker's name in attempt records and logs. */
  name: string;
  types: string[];
  limits: ConcurrencyLimits;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class NatsWorker {
  private readonly running = new Map<string, RunningWork>();
  private readonly busyByType = new Map<string, number>();
  private busy = 0;
  private stopping = false;
  private readonly slotFreed = new Set<() => void>();
  private readonly idle = new Set<() => void>();
  private readonly pulls: Promise<void>[] = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly batches = new Set<{ stop(): void }>();

  constructor(
    private readonly cluster: NatsCluster,
    private readonly engine: WorkEngine,
    private readonly options: WorkerOptions,
    private readonly logger: Logger,
    private readonly observer: SchedulerObserver,
  ) {}

  get runningCount(): number {
    return this.running.size;
  }

  async start(): Promise<void> {
    const maxDeliver = MAX_ATTEMPTS_CEILING + this.cluster.config.max_interruptions + 1;
    for (const type of this.options.types) await ensureConsumer(this.cluster, type, maxDeliver);
    const { nc, names } = this.cluster;
    this.subscriptions.push(
      nc.subscribe(names.allCancelSubjects, {
        callback: (error, msg) => {
          if (error) return;
          const entry = this.running.get(names.idOfSubject(msg.subject));
          if (!entry) return;
          entry.cancelRequested = true;
          entry.controller.abort(new WorkCancelledError(msg.json<{ reason?: string }>().reason ?? "cancelled through the API"));
        },
      }),
      nc.subscribe(names.allLogTailSubjects, {
        callback: (error, msg) => {
          const entry = error ? undefined : this.running.get(names.idOfSubject(msg.subject));
          if (entry) msg.respond(JSON.stringify({ lines: newestThatFit(entry.lines, this.cluster.maxPayload() / 2), total: entry.nextLine }));
        },
      }),
    );
    for (const type of this.options.types) this.pulls.push(this.pull(type));
  }

  /** Room for more works of `type` now, within the global and the type's limits. */
  private room(type: string): number {
    const global = this.options.limits.global - this.busy;
    const typeLimit = this.options.limits.per_type[type];
    return typeLimit === undefined ? global : Math.min(global, typeLimit - (this.busyByType.get(type) ?? 0));
  }

  private reserve(type: string, count: number): void {
    this.busy += count;
    this.busyByType.set(type, (this.busyByType.get(type) ?? 0) + count);
  }

  private release(type: string, count = 1): void {
    this.busy -= count;
    this.busyByType.set(type, (this.busyByType.get(type) ?? count) - count);
    for (const wake of this.slotFreed) wake();
    this.slotFreed.clear();
    if (this.busy === 0) for (const done of this.idle) done();
  }

  private waitForSlot(ms = Infinity): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.slotFreed.add(done);
    });
  }

  /**
   * Pulls no more messages than there is room for: a message waiting in this process for
   * a slot is invisible to the other workers. A type that had nothing last time asks for
   * one message without holding a slot (so idle types do not starve a busy one); if no
   * slot is free when it arrives, it waits a moment, then goes back to the queue.
   */
  private async pull(type: string): Promise<void> {
    const consumer = await this.cluster.js.consumers.get(this.cluster.names.workStream, this.cluster.names.consumer(type));
    let idle = true;
    while (!this.stopping) {
      const room = this.room(type);
      if (room <= 0) {
        await this.waitForSlot();
        continue;
      }
      const reserved = idle ? 0 : room;
      this.reserve(type, reserved);
      let taken = 0;
      try {
        const batch = await consumer.fetch({ max_messages: idle ? 1 : room, expires: FETCH_EXPIRES_MS });
        this.batches.add(batch);
        try {
          for await (const msg of batch) {
            taken += 1;
            if (taken > reserved && !(await this.admitProbe(type, msg))) continue;
            void this.take(type, msg);
          }
        } finally {
          this.batches.delete(batch);
        }
      } catch (error) {
        if (!this.stopping) {
          this.logger.warn("worker.pull_failed", { type, error: (error as Error).message });
          await sleep(1_000);
        }
      } finally {
        if (reserved > taken) this.release(type, reserved - taken);
      }
      idle = taken === 0;
    }
  }

  /** Finds a slot for a message that came without one, or hands it back. */
  private async admitProbe(type: string, msg: JsMsg): Promise<boolean> {
    const deadline = Date.now() + PROBE_PATIENCE_MS;
    while (this.room(type) <= 0 && !this.stopping && Date.now() < deadline) {
      msg.working();
      await this.waitForSlot(deadline - Date.now());
    }
    if (this.room(type) <= 0 || this.stopping) {
      msg.nak();
      return false;
    }
    this.reserve(type, 1);
    return true;
  }

  /** Runs one message's work through to an ack or a nak; its reserved slot is freed at the end. */
  private async take(type: string, msg: JsMsg): Promise<void> {
    const heartbeat = setInterval(() => msg.working(), Math.max(500, Math.floor(this.cluster.ackWaitMs / 3)));
    let work: Work | undefined;
    try {
      if (this.stopping) return msg.nak();
      try {
        work = msg.json<Work>();
        if (typeof work?.id !== "string") throw new Error("no id");
      } catch {
        await this.deadLetter(type, { reason: "the message is not a work", subject: msg.subject, stream_seq: msg.seq });
        return msg.term("not a work");
      }
      await this.runMessage(type, msg, work);
    } catch (error) {
      // Not acked: JetStream redelivers it after ack_wait, to this worker or another.
      this.logger.error("worker.message_failed", { work_id: work?.id, type, error: (error as Error).message });
    } finally {
      clearInterval(heartbeat);
      if (work) this.running.delete(work.id);
      this.release(type);
    }
  }

  private async runMessage(type: string, msg: JsMsg, work: Work): Promise<void> {
    const entry: RunningWork = { type, controller: new AbortController(), lines: [], nextLine: 0, cancelRequested: false };
    // Registered before the claim, so a cancel sent meanwhile is not missed.
    this.running.set(work.id, entry);
    const claim = await this.claim(msg, work);
    if (!claim) return;
    let { record, revision } = claim;
    const attempt = record.attempts;
    this.logger.info("worker.started", { work_id: work.id, type, attempt, delivery: msg.info.deliveryCount });
    const logSubject = this.cluster.names.logSubject(work.id);
    const cancelCheck = setInterval(() => void this.checkCancelMark(work.id, entry), CANCEL_CHECK_MS);
    const result = await this.engine.execute(work, {
      signal: entry.controller.signal,
      singleAttempt: attempt,
      onLog: (line) => {
        // Live lines are for eyes: a huge one is cut, and a failed publish never fails the work.
        const live = cutLine(line);
        entry.lines.push(live);
        if (entry.lines.length > 2 * MAX_TAIL_LINES) entry.lines.splice(0, entry.lines.length - MAX_TAIL_LINES);
        const message: LogMessage = { n: entry.nextLine++, line: live };
        try {
          this.cluster.nc.publish(logSubject, JSON.stringify(message));
        } catch (error) {
          this.logger.debug("worker.log_publish_failed", { work_id: work.id, error: (error as Error).message });
        }
      },
    });

    clearInterval(cancelCheck);
    if (this.stopping && !entry.cancelRequested && entry.controller.signal.aborted) {
      // Stopped for a shutdown, not by the work's owner: hand the work back for another worker.
      await this.persist(work.id, record, revision, (latest) => closeAttempt(latest, "queued", { status: "interrupted", error: { code: "interrupted", message: "the worker stopped during this attempt", retryable: true } }));
      msg.nak();
      this.endLog(logSubject);
      return;
    }
    const ended = endedAttempts(record) + 1;
    const retry = isRetryableOutcome(result) && ended < (work.retry?.max_attempts ?? 1) && !entry.controller.signal.aborted;
    if (retry) {
      const delayMs = backoffDelayMs(parseBackoff(work.retry), ended);
      ({ record, revision } = await this.persist(work.id, record, revision, (latest) => closeAttempt(latest, "queued", { status: result.status, error: result.error ?? null })));
      if (record.cancel_requested) {
        // Cancelled while this attempt ended: no further attempt.
        await this.finish(work, record, revision, { ...result, status: "cancelled", error: { code: "cancelled", message: "work cancelled: cancelled through the API", retryable: false } });
        msg.ack();
      } else {
        msg.nak(delayMs);
        this.observer.workRetried(type);
        this.logger.warn("worker.retrying", { work_id: work.id, type, attempt, status: result.status, delay_ms: delayMs });
      }
    } else {
      await this.finish(work, record, revision, result);
      msg.ack();
    }
    this.endLog(logSubject);
  }

  /**
   * Cancel messages are plain NATS, at most once: one sent while this worker was
   * reconnecting is lost. The record's mark is not, so it is checked now and then.
   */
  private async checkCancelMark(id: string, entry: RunningWork): Promise<void> {
    if (entry.controller.signal.aborted) return;
    const found = await this.cluster.results.get(tokenOf(id)).then(parseRecord, () => undefined);
    if (found?.record.cancel_requested && !entry.controller.signal.aborted) {
      entry.cancelRequested = true;
      entry.controller.abort(new WorkCancelledError("cancelled through the API"));
    }
  }

  private endLog(subject: string): void {
    const message: LogMessage = { end: true };
    this.cluster.nc.publish(subject, JSON.stringify(message));
  }

  /**
   * Moves the work's record to `running` for a new attempt, by compare-and-set. Returns
   * undefined (the message settled) when there is nothing to run: the work is already
   * final (cancelled while queued, or a duplicate), or it has used up its attempts or
   * its interruptions.
   */
  private async claim(msg: JsMsg, work: Work): Promise<{ record: ClusterRecord; revision: number } | undefined> {
    const key = tokenOf(work.id);
    for (;;) {
      const found = parseRecord(await this.cluster.results.get(key));
      // A message without a record: its submission was rolled back; nothing to run.
      if (!found) return (msg.term("no record"), undefined);
      let { record } = found;
      const { revision } = found;
      if (isFinalStatus(record.status)) return (msg.ack(), undefined);
      if (record.status === "running") {
        // Another message of the same work (a republished one) while the first runs: drop it.
        if (record.message_seq !== msg.seq) return (msg.ack(), undefined);
        // Its previous worker stopped reporting progress: that attempt was interrupted.
        record = closeAttempt(record, "running", { status: "interrupted", error: { code: "interrupted", message: "the worker running this attempt vanished", retryable: true } });
        this.logger.warn("worker.taking_over", { work_id: work.id, delivery: msg.info.deliveryCount });
      }
      const maxAttempts = work.retry?.max_attempts ?? 1;
      let closing: WorkResult | undefined;
      if (record.cancel_requested) closing = closingResult(work.id, work.type, record.attempts, "cancelled", "cancelled", "work cancelled: cancelled through the API");
      else if (interruptions(record) > this.cluster.config.max_interruptions) {
        closing = closingResult(work.id, work.type, record.attempts, "failed", "interrupted", `the work's worker vanished ${interruptions(record)} times (queue.max_interruptions is ${this.cluster.config.max_interruptions})`);
      } else if (endedAttempts(record) >= maxAttempts) closing = closingResult(work.id, work.type, record.attempts, "failed", "attempts_exhausted", `all ${maxAttempts} attempts were used`);
      if (closing) {
        await this.finish(work, record, revision, closing);
        msg.ack();
        return undefined;
      }
      const now = Date.now();
      const attempt: ClusterAttempt = { number: record.attempts + 1, started_at: now, finished_at: null, status: null, error: null, worker: this.options.name };
      const next: ClusterRecord = { ...record, status: "running", attempts: record.attempts + 1, message_seq: msg.seq, history: [...record.history, attempt], updated_at: now };
      try {
        return { record: next, revision: await this.cluster.results.update(key, JSON.stringify(next), revision) };
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
      }
    }
  }

  /** Makes the work final with `result`; a failure is also published as a dead letter. */
  private async finish(work: Work, record: ClusterRecord, revision: number, result: WorkResult): Promise<void> {
    await this.persist(work.id, record, revision, (latest) => ({
      ...closeAttempt(latest, result.status, { status: result.status, error: result.error ?? null }),
      result,
    }));
    if (result.status === "failed" || result.status === "timed_out") {
      await this.deadLetter(work.type, { work_id: work.id, type: work.type, status: result.status, attempts: result.attempts, error: result.error, finished_at: result.finished_at });
    }
    this.observer.workFinished(work.type, result);
    this.logger.info("worker.finished", { work_id: work.id, type: work.type, status: result.status, attempts: result.attempts });
  }

  /**
   * Writes `change(record)` by compare-and-set; on a conflict (an API node marked a cancel)
   * applies the change to the latest record. Retries while NATS is unreachable, up to
   * PERSIST_PATIENCE_MS; the message is not acked before this returns.
   */
  private async persist(id: string, record: ClusterRecord, revision: number, change: (latest: ClusterRecord) => ClusterRecord): Promise<{ record: ClusterRecord; revision: number }> {
    const key = tokenOf(id);
    const deadline = Date.now() + PERSIST_PATIENCE_MS;
    let latest = { record, revision };
    for (;;) {
      const next = fitPayload({ ...change(latest.record), updated_at: Date.now() }, this.cluster.maxPayload());
      try {
        return { record: next, revision: await this.cluster.results.update(key, JSON.stringify(next), latest.revision) };
      } catch (error) {
        if (Date.now() > deadline) throw error;
        if (!isRevisionConflict(error)) await sleep(500);
        const found = await this.cluster.results.get(key).then(parseRecord, () => undefined);
        if (found) latest = found;
      }
    }
  }

  private async deadLetter(type: string, letter: Record<string, unknown>): Promise<void> {
    try {
      await this.cluster.js.publish(this.cluster.names.deadLetterSubject(type), JSON.stringify(letter));
    } catch (error) {
      this.logger.error("worker.dead_letter_failed", { ...letter, error: (error as Error).message });
    }
  }

  /**
   * Stops pulling, lets running works finish within `graceMs`, then aborts the rest and
   * hands them back to the queue for another worker.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const batch of this.batches) batch.stop();
    for (const wake of this.slotFreed) wake();
    const allDone = () => new Promise<void>((resolve) => (this.busy === 0 ? resolve() : this.idle.add(resolve)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([allDone(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    if (this.running.size) {
      this.logger.warn("worker.handing_back", { running: this.running.size });
      for (const entry of this.running.values()) entry.controller.abort(new WorkCancelledError("worker shutdown"));
      await allDone();
    }
    await Promise.allSettled(this.pulls);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    await this.cluster.close();
  }
}

/** The record with its last attempt closed and the work's new status. */
function closeAttempt(record: ClusterRecord, status: ClusterRecord["status"], end: Pick<ClusterAttempt, "status" | "error">): ClusterRecord {
  const history = record.history.map((attempt, index) => (index === record.history.length - 1 && attempt.finished_at === null ? { ...attempt, ...end, finished_at: Date.now() } : attempt));
  return { ...record, status, history };
}
