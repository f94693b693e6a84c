/**
 * A work as the results bucket holds it: status, masked document, attempts and result,
 * readable by every API node. Workers and API nodes change it only by compare-and-set on
 * the entry's revision, so a cancel and a worker's progress never overwrite each other.
 */
import type { WorkResultError, WorkResult } from "../../../core/result.ts";
import type { StoredAttempt, StoredStatus, StoredWork } from "../../store/work-store.ts";

export interface ClusterAttempt {
  number: number;
  started_at: number;
  finished_at: number | null;
  /** A WorkStatus, or `interrupted` when the worker vanished during the attempt. */
  status: string | null;
  error: WorkResultError | null;
  worker: string;
}

export interface ClusterRecord {
  id: string;
  type: string;
  status: StoredStatus;
  display: string;
  body_hash: string;
  labels: string;
  submitted_at: number;
  updated_at: number;
  /** Attempts started, interrupted ones included. */
  attempts: number;
  result: WorkResult | null;
  cancel_requested: boolean;
  history: ClusterAttempt[];
  /** The stream sequence of the queue message that started the running attempt. */
  message_seq: number;
}

const FINAL = new Set<StoredStatus>(["succeeded", "failed", "cancelled", "timed_out"]);

export function isFinalStatus(status: StoredStatus): boolean {
  return FINAL.has(status);
}

/** Attempts that ran to an end: what counts against `max_attempts`. */
export function endedAttempts(record: ClusterRecord): number {
  return record.history.filter((attempt) => attempt.status !== null && attempt.status !== "interrupted").length;
}

export function interruptions(record: ClusterRecord): number {
  return record.history.filter((attempt) => attempt.status === "interrupted").length;
}

/** The record in the shape the API shows for either backend. */
export function toStoredWork(record: ClusterRecord): StoredWork {
  return {
    seq: record.submitted_at,
    id: record.id,
    type: record.type,
    status: record.status,
    body: "",
    display: record.display,
    body_hash: record.body_hash,
    labels: record.labels,
    submitted_at: record.submitted_at,
    updated_at: record.updated_at,
    not_before: 0,
    attempts: record.attempts,
    result: record.result ? JSON.stringify(record.result) : null,
    cancel_requested: record.cancel_requested ? 1 : 0,
  };
}

export function toStoredAttempts(record: ClusterRecord): StoredAttempt[] {
  return record.history.map((attempt) => ({
    work_id: record.id,
    number: attempt.number,
    started_at: attempt.started_at,
    finished_at: attempt.finished_at,
    status: attempt.status,
    error: attempt.error ? JSON.stringify(attempt.error) : null,
    worker: attempt.worker,
  }));
}
