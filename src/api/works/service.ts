/** Works over the queue (embedded or NATS): submit, read, list, cancel. Knows nothing of HTTP. */
import { createHash } from "node:crypto";
import type { WorkResult } from "../../core/result.ts";
import type { Work } from "../../core/work.ts";
import type { WorkQueue } from "../../engine/queue/work-queue.ts";
import { STORED_STATUSES, type StoredStatus, type StoredWork } from "../../engine/store/work-store.ts";
import type { EnhancedWorkRegistry } from "../../executors/enhanced-work-registry.ts";
import { maskSecrets } from "../../schemas/secrets.ts";
import { fail } from "../errors.ts";

/** A work as the API shows it: secrets masked. */
export interface WorkRecord {
  id: string;
  type: string;
  status: StoredStatus;
  work: unknown;
  attempts: number;
  submitted_at: string;
  updated_at: string;
  result?: WorkResult;
  cancel_requested: boolean;
}

export function toRecord(row: StoredWork): WorkRecord {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    work: JSON.parse(row.display),
    attempts: row.attempts,
    submitted_at: new Date(row.submitted_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
    ...(row.result ? { result: JSON.parse(row.result) as WorkResult } : {}),
    cancel_requested: row.cancel_requested === 1,
  };
}

const FINAL = new Set<StoredStatus>(["succeeded", "failed", "cancelled", "timed_out"]);

export function isFinal(status: StoredStatus): boolean {
  return FINAL.has(status);
}

export class WorksService {
  constructor(
    private readonly queue: WorkQueue,
    private readonly registry: EnhancedWorkRegistry,
  ) {}

  /**
   * Validates and stores a work, then wakes the scheduler. The same id again with the same
   * body returns the existing record (`created: false`); with another body it is a conflict.
   */
  async submit(body: unknown, idempotencyKey?: string): Promise<{ row: StoredWork; created: boolean }> {
    if (typeof body !== "object" || body === null || Array.isArray(body)) fail("validation_error", "the body must be a work: a JSON object", { issues: [{ path: "", message: "must be an object" }] });
    const document = { ...(body as Record<string, unknown>) };
    document.id ??= idempotencyKey ?? crypto.randomUUID();
    const work: Work = this.registry.validateWork(document);
    const bodyText = JSON.stringify(work);
    const hash = createHash("sha256").update(bodyText).digest("hex");
    const schema = this.registry.getExecutor(work.type).getSchema().config;
    const display = JSON.stringify({ ...work, executor_config: maskSecrets(schema, work.executor_config) });
    const row = await this.queue.submit({ id: work.id, type: work.type, body: bodyText, display, body_hash: hash, labels: JSON.stringify(work.labels ?? {}) });
    // No row: the id is taken — a resubmission, or another request's work.
    if (!row) return this.resubmitted((await this.queue.get(work.id))!, hash);
    return { row, created: true };
  }

  private resubmitted(existing: StoredWork, hash: string): { row: StoredWork; created: boolean } {
    if (existing.body_hash !== hash) fail("conflict", `a different work with id ${existing.id} was already submitted`, { id: existing.id });
    return { row: existing, created: false };
  }

  async get(id: string): Promise<StoredWork> {
    return (await this.queue.get(id)) ?? fail("not_found", `no work with id ${id}`, { id });
  }

  async attempts(id: string) {
    return (await this.queue.attempts(id)).map((attempt) => ({
      number: attempt.number,
      started_at: new Date(attempt.started_at).toISOString(),
      finished_at: attempt.finished_at === null ? null : new Date(attempt.finished_at).toISOString(),
      status: attempt.status,
      error: attempt.error ? JSON.parse(attempt.error) : null,
      ...(attempt.worker ? { worker: attempt.worker } : {}),
    }));
  }

  async list(query: { status?: string; type?: string; label?: string; limit?: number; cursor?: string }) {
    if (query.status && !STORED_STATUSES.includes(query.status as StoredStatus)) {
      fail("validation_error", `status must be one of ${STORED_STATUSES.join(", ")}: got ${JSON.stringify(query.status)}`, { issues: [{ path: "status", message: "unknown status" }] });
    }
    if (query.label && !query.label.includes("=")) fail("validation_error", "label must look like key=value", { issues: [{ path: "label", message: "must look like key=value" }] });
    const page = await this.queue.list({ status: query.status as StoredStatus | undefined, type: query.type, label: query.label, limit: Math.min(query.limit ?? 50, 500), cursor: query.cursor });
    return { works: page.works.map(toRecord), next_cursor: page.next ?? null };
  }

  async cancel(id: string): Promise<StoredWork> {
    await this.get(id);
    return (await this.queue.cancel(id, "cancelled through the API"))!;
  }
}
