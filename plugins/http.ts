/**
 * The `http` plugin: one HTTP request per work, with the response as the output.
 * First-party, but loaded at run time like any third-party plugin.
 */
import { BasePlugin, Duration, parseDuration, Secret, SecretOrString, Type, UbomError, workFailed, workSucceeded } from "@ubom/sdk";
import type { ExecutionContext, Static, Work, WorkResult } from "@ubom/sdk";

const VERSION = "1.0.0";

const Method = Type.Union(
  ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map((method) => Type.Literal(method)),
  { default: "GET" },
);

/** The `executor_config` of an http work. */
export const HttpConfig = Type.Object(
  {
    url: Type.String({
      pattern: "^(https?|data):",
      expectation: "an http://, https:// or data: URL",
      description: "URL to call",
    }),
    method: Method,
    headers: Type.Optional(
      Type.Record(Type.String(), SecretOrString(), { description: 'Request headers; a value may name a secret ({"env": "NAME"})' }),
    ),
    query: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "Query parameters added to the URL" })),
    body: Type.Optional(Type.String({ description: "Raw request body; without it, the work's input is sent as JSON" })),
    auth: Type.Optional(
      Type.Union([
        Type.Object({ type: Type.Literal("bearer"), token: Secret() }, { additionalProperties: false }),
        Type.Object({ type: Type.Literal("basic"), username: Type.String(), password: Secret() }, { additionalProperties: false }),
      ], { discriminated_by: "type" }),
    ),
    timeout: Type.Optional(Duration({ description: "Per request; the work's own timeout still bounds it" })),
    expected_status: Type.Optional(
      Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1, description: "Statuses that mean success; 2xx when absent" }),
    ),
    retryable_status: Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), {
      default: [408, 425, 429, 500, 502, 503, 504],
      description: "Unexpected statuses worth retrying",
    }),
    follow_redirects: Type.Boolean({ default: true }),
    max_response_bytes: Type.Integer({ minimum: 0, default: 10 * 1024 * 1024, description: "Larger responses fail the work" }),
  },
  { additionalProperties: false },
);
export type HttpConfig = Static<typeof HttpConfig>;

/** The plugin's own config, from the `http` section of ubom.json. */
export const HttpPluginConfig = Type.Object(
  { user_agent: Type.String({ default: `ubom-http/${VERSION}` }) },
  { additionalProperties: false },
);

function requestUrl(config: HttpConfig): string {
  if (!config.query) return config.url;
  const url = new URL(config.url);
  for (const [key, value] of Object.entries(config.query)) url.searchParams.append(key, value);
  return url.toString();
}

function requestHeaders(config: HttpConfig, userAgent: string, jsonBody: boolean): Headers {
  // Secrets are resolved by the engine before execute, so every value is a string here.
  const headers = new Headers(config.headers as Record<string, string> | undefined);
  if (!headers.has("user-agent")) headers.set("user-agent", userAgent);
  if (jsonBody && !headers.has("content-type")) headers.set("content-type", "application/json");
  const auth = config.auth as { type: "bearer"; token: string } | { type: "basic"; username: string; password: string } | undefined;
  if (auth?.type === "bearer") headers.set("authorization", `Bearer ${auth.token}`);
  if (auth?.type === "basic") headers.set("authorization", `Basic ${btoa(`${auth.username}:${auth.password}`)}`);
  return headers;
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(maxBytes: number): UbomError {
  return new UbomError(`the response is larger than max_response_bytes (${maxBytes})`, {
    code: "http.response_too_large",
    details: { max_response_bytes: maxBytes },
  });
}

function parseBody(bytes: Uint8Array, contentType: string | null): unknown {
  const text = new TextDecoder().decode(bytes);
  if (!/[/+]json\b/i.test(contentType ?? "")) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

class HttpPlugin extends BasePlugin {
  constructor() {
    super(
      { name: "http", version: VERSION, description: "Calls an HTTP endpoint", author: "ubom" },
      {
        name: "http",
        version: VERSION,
        description: "One HTTP request per work; the response's status, headers and body are the output",
        supported_types: ["http"],
        capabilities: { cancellable: true, streams_logs: false },
        examples: [
          { name: "json response", executor_config: { url: 'data:application/json,{"hello":"world"}' } },
          {
            name: "unexpected status",
            executor_config: { url: "data:text/plain,ok", expected_status: [201] },
            expect: "failed",
          },
        ],
      },
      { config: HttpConfig },
      { configSchema: HttpPluginConfig },
    );
  }

  async execute(ctx: ExecutionContext, work: Work): Promise<WorkResult> {
    const config = work.executor_config as HttpConfig;
    const url = requestUrl(config);
    const requestTimeoutMs = config.timeout ? parseDuration(config.timeout, "executor_config.timeout") : undefined;
    const signal = requestTimeoutMs === undefined ? ctx.signal : AbortSignal.any([ctx.signal, AbortSignal.timeout(requestTimeoutMs)]);
    const hasInput = config.body === undefined && work.input !== undefined && config.method !== "GET" && config.method !== "HEAD";
    const started = performance.now();

    let response: Response;
    try {
      response = await fetch(url, {
        method: config.method,
        headers: requestHeaders(config, String(this.config.user_agent ?? `ubom-http/${VERSION}`), hasInput),
        body: config.body ?? (hasInput ? JSON.stringify(work.input) : undefined),
        redirect: config.follow_redirects ? "follow" : "manual",
        signal,
      });
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (signal.aborted) {
        throw new UbomError(`no response within ${config.timeout}`, { code: "http.timeout", retryable: true, details: { url } });
      }
      throw new UbomError(`request to ${url} failed: ${(error as Error).message}`, {
        code: "http.request_failed",
        retryable: true,
        details: { url },
        cause: error,
      });
    }

    const bytes = await readCapped(response, config.max_response_bytes);
    const elapsedMs = Math.round(performance.now() - started);
    ctx.log("system", `${config.method} ${url} -> ${response.status} in ${elapsedMs}ms`);
    const output = {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: parseBody(bytes, response.headers.get("content-type")),
    };
    const metadata = { method: config.method, url: response.url || url, status: response.status, redirected: response.redirected, response_bytes: bytes.byteLength, elapsed_ms: elapsedMs };
    const expected = config.expected_status ? config.expected_status.includes(response.status) : response.status >= 200 && response.status < 300;
    if (expected) return workSucceeded(work, output, { metadata });
    return workFailed(
      work,
      {
        code: "http.unexpected_status",
        message: `${config.method} ${url} answered ${response.status}, expected ${config.expected_status?.join(", ") ?? "2xx"}`,
        retryable: config.retryable_status.includes(response.status),
        details: { status: response.status },
      },
      { output, metadata },
    );
  }
}

/** The plugin's entry point, called once by the loader. */
export function NewPlugin(): HttpPlugin {
  return new HttpPlugin();
}
