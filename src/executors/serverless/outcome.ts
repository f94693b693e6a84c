/** What one invocation produced, whatever the provider. */
import type { WorkResultError } from "../../core/result.ts";

export interface InvocationOutcome {
  ok: boolean;
  output?: unknown;
  error?: WorkResultError;
  /** Throttling and 5xx: worth another attempt. */
  retryable: boolean;
  /** The server's Retry-After hint, when it gave one. */
  retryAfterMs?: number;
  metadata: Record<string, unknown>;
}

/** Seconds or an HTTP date, as Retry-After carries them. */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The body as JSON when it is JSON, else as text. */
export function parseBody(text: string, contentType: string | null): unknown {
  if (!text) return null;
  if (/json/i.test(contentType ?? "") || /^[[{"]/.test(text.trim())) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
