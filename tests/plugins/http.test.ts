import { afterAll, describe, expect, test } from "bun:test";
import { WorkCancelledError } from "../../src/core/index.ts";
import { firstPartyRuntime } from "../helpers/first-party.ts";
import { freePort } from "../helpers/free-port.ts";

/** A real HTTP server on loopback that records what it received. */
const received: { method: string; path: string; headers: Record<string, string>; body: string }[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const url = new URL(request.url);
    received.push({ method: request.method, path: url.pathname + url.search, headers: Object.fromEntries(request.headers), body: await request.text() });
    switch (url.pathname) {
      case "/json":
        return Response.json({ hello: "world", n: 1 });
      case "/text":
        return new Response("plain text");
      case "/status":
        return new Response(`status ${url.searchParams.get("code")}`, { status: Number(url.searchParams.get("code")) });
      case "/echo":
        return Response.json({ method: request.method, body: received.at(-1)!.body, type: request.headers.get("content-type") });
      case "/slow":
        await Bun.sleep(5_000);
        return new Response("too late");
      case "/redirect":
        return Response.redirect("/json", 302);
      case "/big":
        return new Response("x".repeat(10_000));
      default:
        return new Response("not found", { status: 404 });
    }
  },
});
afterAll(() => server.stop(true));
const base = `http://127.0.0.1:${server.port}`;
const runtime = await firstPartyRuntime({ plugins: { http: { user_agent: "ubom-test" } } });
const run = (executor_config: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  runtime.engine.execute({ id: "http-work", type: "http", executor_config, ...extra });

describe("http plugin", () => {
  test("a JSON response is parsed into the output", async () => {
    const result = await run({ url: `${base}/json` });
    expect(result.status).toBe("succeeded");
    expect(result.output).toMatchObject({ status: 200, body: { hello: "world", n: 1 }, headers: { "content-type": "application/json;charset=utf-8" } });
    expect(result.metadata).toMatchObject({ method: "GET", status: 200, url: `${base}/json` });
    expect(received.at(-1)!.headers["user-agent"]).toBe("ubom-test");
  });

  test("a text response stays text, and query parameters are added", async () => {
    const result = await run({ url: `${base}/text`, query: { a: "1", b: "x y" } });
    expect((result.output as { body: unknown }).body).toBe("plain text");
    expect(received.at(-1)!.path).toBe("/text?a=1&b=x+y");
  });

  test("the work's input is sent as a JSON body", async () => {
    const result = await run({ url: `${base}/echo`, method: "POST" }, { input: { order: 42 } });
    expect((result.output as { body: unknown }).body).toEqual({ method: "POST", body: '{"order":42}', type: "application/json" });
  });

  test.each([
    [404, "failed", false],
    [503, "failed", true],
    [429, "failed", true],
    [204, "succeeded", false],
  ] as const)("status %p ends %p (retryable: %p)", async (code, status, retryable) => {
    const result = await run({ url: `${base}/status?code=${code}` });
    expect(result.status).toBe(status);
    expect((result.output as { status: number }).status).toBe(code);
    if (status === "failed") expect(result.error).toMatchObject({ code: "http.unexpected_status", retryable, details: { status: code } });
  });

  test("expected_status decides success", async () => {
    expect((await run({ url: `${base}/status?code=404`, expected_status: [404] })).status).toBe("succeeded");
    const result = await run({ url: `${base}/json`, expected_status: [201] });
    expect(result.error?.message).toBe(`GET ${base}/json answered 200, expected 201`);
  });

  test("redirects are followed unless follow_redirects is false", async () => {
    expect(await run({ url: `${base}/redirect` })).toMatchObject({ status: "succeeded", metadata: { redirected: true, url: `${base}/json` } });
    expect(await run({ url: `${base}/redirect`, follow_redirects: false })).toMatchObject({ status: "failed", output: { status: 302 } });
  });

  test("the request timeout fails the work as a retryable http.timeout", async () => {
    const started = performance.now();
    const result = await run({ url: `${base}/slow`, timeout: "200ms" });
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "http.timeout", retryable: true });
    expect(performance.now() - started).toBeLessThan(4_000);
  });

  test("the work's timeout ends it timed_out", async () => {
    const result = await run({ url: `${base}/slow` }, { timeout: "200ms" });
    expect(result).toMatchObject({ status: "timed_out", error: { code: "timed_out", details: { executor_stopped: true } } });
  });

  test("a cancel aborts the request", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new WorkCancelledError("test")), 100);
    const result = await runtime.engine.execute({ id: "c", type: "http", executor_config: { url: `${base}/slow` } }, { signal: controller.signal });
    expect(result.status).toBe("cancelled");
  });

  test("a refused connection is a retryable http.request_failed", async () => {
    const port = freePort();
    const result = await run({ url: `http://127.0.0.1:${port}/` });
    expect(result.error).toMatchObject({ code: "http.request_failed", retryable: true });
  });

  test("a response over max_response_bytes fails the work", async () => {
    const result = await run({ url: `${base}/big`, max_response_bytes: 1000 });
    expect(result.error?.code).toBe("http.response_too_large");
  });

  test("a bearer token and a secret header reach the server but never the result", async () => {
    process.env.UBOM_TEST_HTTP_KEY = "key-from-env-9876";
    try {
      const result = await run({ url: `${base}/echo`, auth: { type: "bearer", token: "bearer-secret-1234" }, headers: { "x-api-key": { env: "UBOM_TEST_HTTP_KEY" } } });
      expect(received.at(-1)!.headers.authorization).toBe("Bearer bearer-secret-1234");
      expect(received.at(-1)!.headers["x-api-key"]).toBe("key-from-env-9876");
      expect(result.status).toBe("succeeded");
      expect(JSON.stringify(result)).not.toMatch(/bearer-secret-1234|key-from-env-9876/);
    } finally {
      delete process.env.UBOM_TEST_HTTP_KEY;
    }
  });

  test("bad configs are rejected with every path", async () => {
    const result = await run({ url: "ftp://nope", method: "FETCH", timeout: "soon", surprise: 1 });
    expect(result.error?.code).toBe("validation_error");
    const paths = (result.error?.details?.issues as { path: string }[]).map((issue) => issue.path).sort();
    expect(paths).toEqual(["executor_config.method", "executor_config.surprise", "executor_config.timeout", "executor_config.url"]);
  });
});
