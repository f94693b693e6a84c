/** Calling an HTTP-triggered function (Google Cloud Functions, Cloud Run, Azure Functions). */
import { UbomError } from "../../core/errors.ts";
import { parseBody, retryAfterMs, type InvocationOutcome } from "./outcome.ts";

/** One HTTP invocation. */
export interface HttpInvocation {
  provider: "gcp" | "azure";
  url: string;
  method: string;
  headers: Record<string, string>;
  payload: unknown;
  signal: AbortSignal;
  /** Header names that carry the provider's request id, first match wins. */
  requestIdHeaders: string[];
  async: boolean;
}

export async function invokeHttpFunction(call: HttpInvocation): Promise<InvocationOutcome> {
  const started = performance.now();
  let response: Response;
  try {
    // No input, no body: strict JSON parsers (the functions framework's) refuse a bare null.
    const hasBody = call.method !== "GET" && call.payload !== undefined;
    response = await fetch(call.url, {
      method: call.method,
      headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...call.headers },
      body: hasBody ? JSON.stringify(call.payload) : undefined,
      signal: call.signal,
      // Node's fetch would follow a redirect to a login page; a function answers directly.
      redirect: "manual",
    });
  } catch (error) {
    if (call.signal.aborted) throw call.signal.reason;
    throw new UbomError(`cannot reach ${call.url}: ${(error as Error).message}`, { code: `${call.provider}.unreachable`, retryable: true, cause: error });
  }
  const text = await response.text();
  const body = parseBody(text, response.headers.get("content-type"));
  const requestId = call.requestIdHeaders.map((name) => response.headers.get(name)).find(Boolean) ?? undefined;
  const metadata = { provider: call.provider, status_code: response.status, request_id: requestId, duration_ms: Math.round(performance.now() - started) };
  if (response.ok) {
    return { ok: true, retryable: false, output: call.async ? { status_code: response.status, request_id: requestId } : body, metadata };
  }
  const retryable = response.status === 429 || response.status >= 500;
  const excerpt = text.length > 500 ? `${text.slice(0, 500)}…` : text;
  return {
    ok: false,
    retryable,
    retryAfterMs: retryAfterMs(response.headers.get("retry-after")),
    output: body,
    error: {
      code: response.status === 401 || response.status === 403 ? `${call.provider}.auth_failed` : `${call.provider}.http_${response.status}`,
      message: `${call.method} ${call.url} answered ${response.status}${excerpt ? `: ${excerpt}` : ""}`,
      retryable,
      details: { status_code: response.status, body },
    },
    metadata,
  };
}
