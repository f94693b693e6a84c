/** What a complete WorkResult looks like, as a list of problems. */
import { WORK_STATUSES, type WorkResult } from "../core/result.ts";

function isIsoTime(value: unknown): boolean {
  return typeof value === "string" && !Number.isNaN(Date.parse(value)) && value.includes("T");
}

/** Every way `result` falls short of a complete WorkResult for `workId`; empty when complete. */
export function resultProblems(result: WorkResult, workId: string): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, problem: string) => ok || problems.push(problem);
  need(result.work_id === workId, `work_id is ${JSON.stringify(result.work_id)}, expected ${JSON.stringify(workId)}`);
  need(WORK_STATUSES.includes(result.status), `status ${JSON.stringify(result.status)} is not one of ${WORK_STATUSES.join(", ")}`);
  need(isIsoTime(result.started_at), "started_at is not an ISO time");
  need(isIsoTime(result.finished_at), "finished_at is not an ISO time");
  need(Date.parse(result.finished_at) >= Date.parse(result.started_at), "finished_at is before started_at");
  need(typeof result.duration_ms === "number" && result.duration_ms >= 0, "duration_ms is not a non-negative number");
  need(Number.isInteger(result.attempts) && result.attempts >= 1, "attempts is not a positive integer");
  need(
    typeof result.executor?.type === "string" && !!result.executor.name && !!result.executor.version,
    "executor lacks type, name or version",
  );
  need(typeof result.metadata === "object" && result.metadata !== null, "metadata is not an object");
  need(Array.isArray(result.logs?.lines) && typeof result.logs?.truncated === "boolean", "logs lacks lines or truncated");
  if (result.status === "succeeded") {
    need(result.error === undefined, "a succeeded result carries an error");
  } else {
    need(
      typeof result.error?.code === "string" && typeof result.error.message === "string" && typeof result.error.retryable === "boolean",
      `a ${result.status} result lacks an error with code, message and retryable`,
    );
  }
  try {
    JSON.stringify(result);
  } catch (error) {
    problems.push(`the result is not JSON-serializable: ${(error as Error).message}`);
  }
  return problems;
}
