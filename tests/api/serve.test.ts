/** The HTTP API through a real listening server started from the compiled binary. */
import { afterAll, describe, expect, test } from "bun:test";
import { buildBinaryInFreshFolder, ubom } from "../helpers/binary.ts";
import { freePort, installFirstPartyPlugins, startServer, waitFinal } from "../helpers/server.ts";

const dir = await buildBinaryInFreshFolder();
installFirstPartyPlugins(dir);
const server = await startServer(dir);
afterAll(() => server.stop());

const echo = (id: string, text = "hi") => ({ id, type: "exec", executor_config: { command: "echo", args: [text] } });

describe("/v1/works", () => {
  test("submit returns 202 with the stored record; polling reaches the result", async () => {
    const response = await server.api("/v1/works", { method: "POST", json: echo("poll-1") });
    expect(response.status).toBe(202);
    const record = await response.json();
    expect(record).toMatchObject({ id: "poll-1", type: "exec", status: expect.stringMatching(/queued|running|succeeded/) });
    const final = await waitFinal(server, "poll-1");
    expect(final).toMatchObject({ status: "succeeded", attempts: 1, result: { output: { stdout: "hi\n" } } });
    expect(final.attempt_history).toMatchObject([{ number: 1, status: "succeeded" }]);
  });

  test("?wait= returns 200 with the result when it finishes in time", async () => {
    const response = await server.api("/v1/works?wait=10s", { method: "POST", json: echo("wait-1", "waited") });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "succeeded", result: { output: { stdout: "waited\n" } } });
  });

  test("a resubmission with the same id returns the existing record; another body under it is 409", async () => {
    await server.api("/v1/works?wait=10s", { method: "POST", json: echo("idem-1") });
    const again = await server.api("/v1/works", { method: "POST", json: echo("idem-1") });
    expect(again.status).toBe(200);
    expect((await again.json()).attempts).toBe(1);
    const conflict = await server.api("/v1/works", { method: "POST", json: echo("idem-1", "different") });
    expect(conflict.status).toBe(409);
    expect((await conflict.json()).error).toMatchObject({ code: "conflict" });
  });

  test("an Idempotency-Key stands for a missing id", async () => {
    const body = { type: "exec", executor_config: { command: "true" } };
    const first = await (await server.api("/v1/works", { method: "POST", json: body, headers: { "idempotency-key": "key-123" } })).json();
    const second = await (await server.api("/v1/works", { method: "POST", json: body, headers: { "idempotency-key": "key-123" } })).json();
    expect(first.id).toBe("key-123");
    expect(second.id).toBe("key-123");
  });

  test("an invalid work is 400 with every failing path, and nothing is stored", async () => {
    const response = await server.api("/v1/works", { method: "POST", json: { id: "bad-1", type: "exec", executor_config: { command: 3, args: "x" }, timeout: "soon" } });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe("validation_error");
    expect(error.details.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(["executor_config.args", "executor_config.command", "timeout"]);
    expect((await server.api("/v1/works/bad-1")).status).toBe(404);
    const unknown = await server.api("/v1/works", { method: "POST", json: { id: "bad-2", type: "nope", executor_config: {} } });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.message).toContain("known types:");
    const notJson = await server.api("/v1/works", { method: "POST", body: "{ nope", headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(400);
  });

  test("list filters by status, type and label, with cursor pagination", async () => {
    for (let i = 0; i < 5; i++) await server.api("/v1/works?wait=10s", { method: "POST", json: { ...echo(`list-${i}`), labels: { batch: "b1" } } });
    const page1 = await (await server.api("/v1/works?label=batch%3Db1&limit=3")).json();
    expect(page1.works.map((w: { id: string }) => w.id)).toEqual(["list-4", "list-3", "list-2"]);
    const page2 = await (await server.api(`/v1/works?label=batch%3Db1&limit=3&cursor=${page1.next_cursor}`)).json();
    expect(page2.works.map((w: { id: string }) => w.id)).toEqual(["list-1", "list-0"]);
    expect(page2.next_cursor).toBeNull();
    const succeeded = await (await server.api("/v1/works?status=succeeded&type=exec&limit=500")).json();
    expect(succeeded.works.every((w: { status: string }) => w.status === "succeeded")).toBe(true);
    expect((await server.api("/v1/works?status=weird")).status).toBe(400);
  });

  test("DELETE cancels a running work: its signal aborts and it ends cancelled", async () => {
    await server.api("/v1/works", { method: "POST", json: { id: "cancel-1", type: "exec", executor_config: { command: "sleep", args: ["30"] } } });
    for (let i = 0; i < 100 && (await (await server.api("/v1/works/cancel-1")).json()).status !== "running"; i++) await Bun.sleep(20);
    const response = await server.api("/v1/works/cancel-1", { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(await waitFinal(server, "cancel-1", 5_000)).toMatchObject({ status: "cancelled", result: { error: { code: "cancelled" } } });
    expect((await server.api("/v1/works/nothing-here", { method: "DELETE" })).status).toBe(404);
  });

  test("live logs as Server-Sent Events, from a work that prints over time", async () => {
    await server.api("/v1/works", { method: "POST", json: { id: "sse-1", type: "exec", executor_config: { command: "sh", args: ["-c", "for i in 1 2 3 4; do echo line $i; sleep 0.2; done"] } } });
    for (let i = 0; i < 100 && (await (await server.api("/v1/works/sse-1")).json()).status !== "running"; i++) await Bun.sleep(10);
    const response = await server.api("/v1/works/sse-1/logs", { headers: { accept: "text/event-stream" } });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const arrivals: [string, number][] = [];
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk);
      for (const match of buffer.matchAll(/data: (\{.*\})/g)) {
        const data = JSON.parse(match[1]!);
        if (data.line && !arrivals.some(([line]) => line === data.line)) arrivals.push([data.line, Date.now()]);
      }
    }
    expect(arrivals.map(([line]) => line)).toEqual(["line 1", "line 2", "line 3", "line 4"]);
    // Live, not at the end: the lines arrived spread over the work's run.
    expect(arrivals[3]![1] - arrivals[0]![1]).toBeGreaterThan(300);
    expect(buffer).toContain("event: end");
    const stored = await (await server.api("/v1/works/sse-1/logs")).json();
    expect(stored.lines.map((l: { line: string }) => l.line)).toEqual(["line 1", "line 2", "line 3", "line 4"]);
  });

  test("a log stream opened while the work is still queued follows it once it starts", async () => {
    const single = await startServer(dir, { config: { server: { concurrency: { global: 1 } } } });
    try {
      await single.api("/v1/works", { method: "POST", json: { id: "blocker", type: "exec", executor_config: { command: "sleep", args: ["0.5"] } } });
      await single.api("/v1/works", { method: "POST", json: { id: "queued-sse", type: "exec", executor_config: { command: "sh", args: ["-c", "echo first; echo second"] } } });
      expect((await (await single.api("/v1/works/queued-sse")).json()).status).toBe("queued");
      const text = await (await single.api("/v1/works/queued-sse/logs", { headers: { accept: "text/event-stream" } })).text();
      expect([...text.matchAll(/"line":"(\w+)"/g)].map((m) => m[1])).toEqual(["first", "second"]);
      expect(text).toContain('event: end\ndata: {"id":"queued-sse","status":"succeeded"}');
    } finally {
      await single.stop();
    }
  });

  test("secrets are masked in every response", async () => {
    const body = { id: "secret-1", type: "http", executor_config: { url: "data:text/plain,ok", auth: { type: "bearer", token: "tok-very-secret-77" } } };
    const texts = [await (await server.api("/v1/works?wait=5s", { method: "POST", json: body })).text()];
    texts.push(await (await server.api("/v1/works/secret-1")).text(), await (await server.api("/v1/works?limit=500")).text());
    texts.push(await (await server.api("/v1/validate", { method: "POST", json: body })).text());
    for (const text of texts) expect(text).not.toContain("tok-very-secret-77");
    expect(texts[1]).toContain("********");
  });
});

describe("catalog and system routes", () => {
  test("validate, executors, schemas, plugins", async () => {
    expect(await (await server.api("/v1/validate", { method: "POST", json: echo("v") })).json()).toMatchObject({ valid: true });
    expect(await (await server.api("/v1/validate", { method: "POST", json: { id: "v" } })).json()).toMatchObject({ valid: false, error: { code: "validation_error" } });
    const types = (await (await server.api("/v1/executors")).json()).map((e: { type: string }) => e.type);
    expect(types).toEqual(["docker", "exec", "grpc", "http", "serverless"]);
    expect((await (await server.api("/v1/executors/exec/schema")).json()).$id).toBe("https://ubom.dev/schemas/exec.schema.json");
    expect((await server.api("/v1/executors/nope/schema")).status).toBe(404);
    const plugins = await (await server.api("/v1/plugins")).json();
    expect(plugins.map((p: { name: string; health: { healthy: boolean } }) => [p.name, p.health.healthy])).toEqual([["exec", true], ["http", true]]);
  });

  test("/metrics moves as works finish", async () => {
    const count = async () => {
      const text = await (await server.api("/metrics")).text();
      return Number(/ubom_works_total\{type="exec",status="succeeded"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await count();
    await server.api("/v1/works?wait=10s", { method: "POST", json: echo("metrics-1") });
    await server.api("/v1/works?wait=10s", { method: "POST", json: echo("metrics-2") });
    expect(await count()).toBe(before + 2);
    const text = await (await server.api("/metrics")).text();
    for (const name of ["ubom_work_duration_seconds_bucket", "ubom_works_running", "ubom_works_queued", "ubom_work_retries_total", "ubom_executor_healthy"]) expect(text).toContain(name);
  });

  test("every request and state change is a JSON log line on stderr", () => {
    const lines = server.stderr().trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.find((line) => line.msg === "http.request" && line.path === "/metrics")).toMatchObject({ method: "GET", status: 200 });
    expect(lines.some((line) => line.msg === "scheduler.started" && line.work_id === "metrics-1")).toBe(true);
    expect(lines.some((line) => line.msg === "work.finished" && line.work_id === "metrics-1")).toBe(true);
  });

  test("/openapi.json is OpenAPI 3 and lists every route; /docs serves a page", async () => {
    const spec = await (await server.api("/openapi.json")).json();
    expect(spec.openapi).toMatch(/^3\./);
    const routes = Object.entries(spec.paths as Record<string, object>).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    for (const route of [
      "POST /v1/works/",
      "GET /v1/works/",
      "GET /v1/works/{id}",
      "DELETE /v1/works/{id}",
      "GET /v1/works/{id}/logs",
      "POST /v1/validate",
      "GET /v1/executors",
      "GET /v1/executors/{type}/schema",
      "GET /v1/plugins",
      "GET /healthz",
      "GET /readyz",
      "GET /metrics",
    ]) expect(routes).toContain(route);
    expect((await server.api("/docs")).headers.get("content-type")).toContain("text/html");
  });

  test("a body over the limit is 413", async () => {
    const small = await startServer(dir, { config: { server: { max_body_bytes: 2048 } } });
    try {
      const response = await small.api("/v1/works", { method: "POST", json: { ...echo("big"), input: "x".repeat(10_000) } });
      expect(response.status).toBe(413);
      expect((await small.api("/healthz")).status).toBe(200);
    } finally {
      await small.stop();
    }
  });
});

describe("auth", () => {
  test("tokens: 401 without, 403 for a read-only token that writes, 200 for a writer", async () => {
    const guarded = await startServer(dir, { env: { UBOM_API_TOKENS: "writer-token-1:write,reader-token-1:read" } });
    try {
      expect((await guarded.api("/v1/executors")).status).toBe(401);
      expect((await guarded.api("/v1/executors", { token: "wrong" })).status).toBe(401);
      expect((await guarded.api("/v1/executors", { token: "reader-token-1" })).status).toBe(200);
      const forbidden = await guarded.api("/v1/works", { method: "POST", json: echo("auth-1"), token: "reader-token-1" });
      expect(forbidden.status).toBe(403);
      expect((await forbidden.json()).error.code).toBe("forbidden");
      expect((await guarded.api("/v1/works", { method: "POST", json: echo("auth-1"), token: "writer-token-1" })).status).toBe(202);
      expect((await guarded.api("/healthz")).status).toBe(200);
      expect(guarded.stderr()).not.toContain("writer-token-1");
    } finally {
      await guarded.stop();
    }
  });

  test("a port already in use is a clear error, exit 2", async () => {
    const port = new URL(server.url).port;
    const run = await ubom(dir, ["serve", "--listen", `127.0.0.1:${port}`, "--data", `${dir}/busy`]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
  });

  test("a data folder that cannot hold the store is a clear error, exit 2", async () => {
    await Bun.write(`${dir}/a-file`, "not a folder");
    const run = await ubom(dir, ["serve", "--listen", `127.0.0.1:${freePort()}`, "--data", `${dir}/a-file`]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`cannot open the store in ${dir}/a-file`);
  });

  test("a non-loopback bind without tokens is refused", async () => {
    const run = await ubom(dir, ["serve", "--listen", `0.0.0.0:${freePort()}`, "--data", `${dir}/refused`]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("refusing to listen beyond loopback without API tokens");
  });
});
