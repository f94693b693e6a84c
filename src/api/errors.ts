/** The one place that turns an error's code into an HTTP status and an error body. */
import { toUbomError, UbomError } from "../core/errors.ts";

const STATUS_BY_CODE: Record<string, number> = {
  validation_error: 400,
  invalid_json: 400,
  bad_request: 400,
  executor_not_found: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  shutting_down: 503,
  not_ready: 503,
  queue_unavailable: 503,
};

/** An error as the API answers it: `{ error: { code, message, details } }` with its status. */
export function errorResponse(thrown: unknown): Response {
  const error = toUbomError(thrown);
  const status = STATUS_BY_CODE[error.code] ?? 500;
  const message = status === 500 ? `internal error: ${error.message}` : error.message;
  return Response.json({ error: { code: error.code, message, details: error.details } }, { status });
}

/** Throws an API error with one of the codes above. */
export function fail(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new UbomError(message, { code, details });
}
