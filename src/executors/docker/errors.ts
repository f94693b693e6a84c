/** Docker's failures as ubom errors with stable codes and the right retryable flag. */
import { UbomError } from "../../core/errors.ts";

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOENT", "EACCES", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "ETIMEDOUT"]);

/** The daemon's own message, from dockerode's error (`json.message` or the text). */
export function daemonMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } }).json;
  const text = json?.message ?? (error as Error).message ?? String(error);
  return text.replace(/^\(HTTP code \d+\) [a-z ]+ - /, "").trim();
}

/** Wraps an error of a Docker call made while doing `action`. */
export function dockerError(error: unknown, action: string): UbomError {
  if (error instanceof UbomError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code && UNREACHABLE.has(code)) {
    return new UbomError(`cannot reach the Docker daemon while trying to ${action} (${code})`, {
      code: "docker.daemon_unreachable",
      retryable: true,
      cause: error,
    });
  }
  const status = (error as { statusCode?: number }).statusCode;
  return new UbomError(`${action} failed: ${daemonMessage(error)}`, {
    code: "docker.api_error",
    retryable: status === undefined || status >= 500,
    details: status === undefined ? {} : { status_code: status },
    cause: error,
  });
}
