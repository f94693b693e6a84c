import { afterEach, describe, expect, test } from "bun:test";
import { UbomError, WorkCancelledError, WorkTimeoutError, workFailed, workSucceeded, type LogLine, type WorkResult } from "../../src/core/index.ts";
import { createJsonLogger } from "../../src/engine/json-logger.ts";
import { WorkEngine, type WorkEngineOptions } from "../../src/engine/work-engine.ts";
import { EnhancedWorkRegistry } from "../../src/executors/index.ts";
import { aborted, ScriptedExecutor, ScriptedPlugin, type Script } from "../helpers/scripted-executor.ts";

function engineWith(script: Script, options: WorkEngineOptions & { plugin?: boolean } = {}) {
  const registry = new EnhancedWorkRegistry();
  const executor = options.plugin ? new ScriptedPlugin(script) : new ScriptedExecutor(script);
  registry.registerAll(executor);
  const lines: Record<string, unknown>[] = [];
  const logger = createJsonLogger({ level: "debug", write: (line) => void lines.push(JSON.parse(line)) });
  return { engine: new WorkEngine(registry, { logger, ...options }), executor, lines };
}

const work = (extra: Record<string, unknown> = {}) => ({ id: "work-1", type: "scripted", executor_config: {}, ...extra });

afterEach(() => {
  delete process.env.UBOM_TEST_TOKEN;
});

describe("WorkEngine.execute", () => {
  test("the engine owns work_id, timings, attempts and executor, whatever the executor returned", async () => {
    const { engine } = engineWith(async () => ({
      work_id: "forged",
      status: "succeeded",
      output: { ok: true },
      started_at: "1970-01-01T00:00:00.000Z",
      finished_at: "1970-01-01T00:00:00.000Z",
      duration_ms: -5,
      attempts: 99,
      executor: { type: "x", name: "forged", version: "0" },
      metadata: { container_id: "abc" },
      logs: { lines: [], truncated: false },
    }));
    const before = Date.now();
    const result = await engine.execute(work());
    expect(result).toMatchObject({
      work_id: "work-1",
      status: "succeeded",
      output: { ok: true },
      attempts: 1,
      executor: { type: "scripted", name: "scripted", version: "9.9.9" },
      metadata: { container_id: "abc" },
    });
    expect(Date.parse(result.started_at)).toBeGreaterThanOrEqual(before - 1);
    expect(result.duration_ms).toBe(Date.parse(result.finished_at) - Date.parse(result.started_at));
  });

  test("passes the validated work with defaults and the attempt number", async () => {
    const seen: unknown[] = [];
    const { engine } = engineWith(async (_ctx, w, wc) => (seen.push([w.executor_config, wc.attempt]), workSucceeded(w, null)));
    await engine.execute(work());
    expect(seen).toEqual([[{ label: "x" }, 1]]);
  });

  test("a timeout aborts the signal with WorkTimeoutError and ends timed_out once the executor stopped", async () => {
    let reason: unknown;
    const { engine, lines } = engineWith(async (ctx, w) => {
      reason = await aborted(ctx.signal);
      return workFailed(w, { code: "stopped", message: "stopped", retryable: false }, { metadata: { killed: true } });
    });
    const result = await engine.execute(work({ timeout: "50ms" }));
    expect(reason).toBeInstanceOf(WorkTimeoutError);
    expect(result.status).toBe("timed_out");
    expect(result.error).toMatchObject({ code: "timed_out", retryable: true, details: { timeout_ms: 50, executor_stopped: true } });
    expect(result.metadata).toEqual({ killed: true });
    expect(lines.find((line) => line.msg === "work.stopping")).toMatchObject({ reason: "timeout", work_id: "work-1" });
  });

  test("a failure returned at the deadline, before the timer fired, is the work's timeout", async () => {
    const { engine } = engineWith(async (ctx, w) => {
      // As a gRPC call with the work's deadline would: fail when the deadline passes.
      await Bun.sleep(Math.max(0, ctx.deadline!.getTime() - Date.now()));
      while (Date.now() < ctx.deadline!.getTime()) await Bun.sleep(1);
      return workFailed(w, { code: "grpc.DEADLINE_EXCEEDED", message: "deadline exceeded", retryable: false });
    });
    const result = await engine.execute(work({ timeout: "100ms" }));
    expect(result.status).toBe("timed_out");
  });

  test("an executor that ignores its signal is given up on after the stop grace", async () => {
    const { engine } = engineWith(() => new Promise(() => {}), { stopGraceMs: 50 });
    const started = performance.now();
    const result = await engine.execute(work({ timeout: "30ms" }));
    expect(result.status).toBe("timed_out");
    expect(result.error?.details?.executor_stopped).toBe(false);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  test("a caller's abort with WorkCancelledError ends cancelled", async () => {
    const { engine } = engineWith(async (ctx) => {
      throw await aborted(ctx.signal);
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new WorkCancelledError("user asked")), 20);
    const result = await engine.execute(work(), { signal: controller.signal });
    expect(result.status).toBe("cancelled");
    expect(result.error).toMatchObject({ code: "cancelled", message: "work cancelled: user asked", retryable: false });
  });

  test("an abort without a cancel reason is a failure, not a cancel", async () => {
    const { engine } = engineWith(async (ctx) => {
      throw await aborted(ctx.signal);
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const result = await engine.execute(work(), { signal: controller.signal });
    expect(result.status).toBe("failed");
  });

  test("a success that beat the abort stays a success", async () => {
    const controller = new AbortController();
    const { engine } = engineWith(async (_ctx, w) => {
      controller.abort(new WorkCancelledError());
      return workSucceeded(w, "done anyway");
    });
    expect((await engine.execute(work(), { signal: controller.signal })).status).toBe("succeeded");
  });

  test.each([
    ["a built-in's Error", false, () => Promise.reject(new Error("disk on fire")), "executor_error", "disk on fire"],
    ["a plugin's Error", true, () => Promise.reject(new TypeError("x is undefined")), "plugin_error", "plugin scripted-plugin: execute: x is undefined"],
    ["a plugin's UbomError", true, () => Promise.reject(new UbomError("503", { code: "http.unexpected_status" })), "http.unexpected_status", "503"],
    ["a synchronous throw", false, () => { throw new Error("sync"); }, "executor_error", "sync"],
    ["a missing result", false, () => Promise.resolve(undefined), "executor_error", "the executor returned no valid WorkResult"],
  ] as const)("%s becomes a failed result with a code", async (_name, plugin, script, code, message) => {
    const { engine } = engineWith(script as unknown as Script, { plugin });
    const result = await engine.execute(work());
    expect(result.status).toBe("failed");
    expect(result.error?.code).toBe(code);
    expect(result.error?.message).toBe(message);
    expect(result.attempts).toBe(1);
  });

  test("retries retryable failures with backoff, up to max_attempts", async () => {
    const { engine, executor, lines } = engineWith(async (_ctx, w, wc) =>
      wc.attempt < 3 ? workFailed(w, { code: "flaky", message: "try again", retryable: true }) : workSucceeded(w, wc.attempt),
    );
    const result = await engine.execute(work({ retry: { max_attempts: 5, initial_delay: "10ms" } }));
    expect(result).toMatchObject({ status: "succeeded", output: 3, attempts: 3 });
    expect((executor as ScriptedExecutor).calls).toBe(3);
    expect(lines.filter((line) => line.msg === "work.retrying").map((line) => line.attempt)).toEqual([1, 2]);
  });

  test("does not retry a non-retryable failure, and stops at max_attempts", async () => {
    const permanent = engineWith(async (_ctx, w) => workFailed(w, { code: "bad", message: "no", retryable: false }));
    expect((await permanent.engine.execute(work({ retry: { max_attempts: 5, initial_delay: "1ms" } }))).attempts).toBe(1);
    const flaky = engineWith(async (_ctx, w) => workFailed(w, { code: "flaky", message: "no", retryable: true }));
    const result = await flaky.engine.execute(work({ retry: { max_attempts: 2, initial_delay: "1ms" } }));
    expect(result).toMatchObject({ status: "failed", attempts: 2, error: { code: "flaky" } });
  });

  test("retries an attempt that timed out", async () => {
    const { engine } = engineWith(async (ctx, w, wc) => {
      if (wc.attempt === 1) throw await aborted(ctx.signal);
      return workSucceeded(w, "second time lucky");
    });
    const result = await engine.execute(work({ timeout: "30ms", retry: { max_attempts: 2, initial_delay: "1ms" } }));
    expect(result).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  test("a cancel during the backoff ends the work cancelled without another attempt", async () => {
    const { engine, executor } = engineWith(async (_ctx, w) => workFailed(w, { code: "flaky", message: "no", retryable: true }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new WorkCancelledError("enough")), 50);
    const result = await engine.execute(work({ retry: { max_attempts: 5, initial_delay: "10s" } }), { signal: controller.signal });
    expect(result).toMatchObject({ status: "cancelled", attempts: 1 });
    expect((executor as ScriptedExecutor).calls).toBe(1);
  });

  test.each([
    ["an invalid work", { id: "w", type: "scripted", executor_config: { label: 1 } }, "validation_error", "executor_config.label"],
    ["an unknown type", { id: "w", type: "nope", executor_config: {} }, "executor_not_found", "known types: scripted"],
    ["not a work at all", "just a string", "validation_error", "invalid work"],
    ["an unset secret", { id: "w", type: "scripted", executor_config: { token: { env: "UBOM_TEST_UNSET" } } }, "validation_error", "UBOM_TEST_UNSET"],
  ])("%s is a failed result with no attempt, and the executor is never called", async (_name, document, code, message) => {
    const { engine, executor, lines } = engineWith(async (_ctx, w) => workSucceeded(w, null));
    const result = await engine.execute(document);
    expect(result).toMatchObject({ status: "failed", attempts: 0, error: { code } });
    if (typeof document === "object" && document.type === "scripted") expect(result.executor).toEqual({ type: "scripted", name: "scripted", version: "9.9.9" });
    expect(result.error?.message).toContain(message);
    expect((executor as ScriptedExecutor).calls).toBe(0);
    expect(lines.map((line) => line.msg)).toEqual(["work.rejected"]);
  });

  test("secrets never appear in the result, the live log lines or the engine's logs", async () => {
    process.env.UBOM_TEST_TOKEN = "tok-0123456789";
    const { engine, lines } = engineWith(async (ctx, w) => {
      const token = w.executor_config.token as string;
      ctx.log("stdout", `using ${token}`);
      return workFailed(w, { code: "leaky", message: `rejected ${token}`, retryable: false, details: { token } }, { output: { token }, metadata: { [token]: token } });
    });
    const live: LogLine[] = [];
    const result = await engine.execute(work({ executor_config: { token: { env: "UBOM_TEST_TOKEN" } } }), { onLog: (line) => live.push(line) });
    const everything = JSON.stringify([result, live, lines]);
    expect(everything).toContain("using ********");
    expect(everything).not.toContain("tok-0123456789");
  });

  test("caps captured logs, keeping the newest lines and flagging the cut", async () => {
    const { engine } = engineWith(
      async (ctx, w) => {
        for (let i = 0; i < 100; i++) ctx.log("stdout", `line ${String(i).padStart(3, "0")}`);
        return workSucceeded(w, null);
      },
      { maxLogBytes: 80 },
    );
    const result: WorkResult = await engine.execute(work());
    expect(result.logs.truncated).toBe(true);
    expect(result.logs.lines.at(-1)?.line).toBe("line 099");
    expect(result.logs.lines.length).toBe(10);
  });

  test("writes one structured log line per state change", async () => {
    const { engine, lines } = engineWith(async (_ctx, w) => workSucceeded(w, null));
    await engine.execute(work());
    expect(lines.map((line) => [line.level, line.msg, line.work_id])).toEqual([
      ["info", "work.started", "work-1"],
      ["info", "work.finished", "work-1"],
    ]);
    expect(lines[1]).toMatchObject({ status: "succeeded", attempts: 1, type: "scripted" });
    expect(typeof lines[1]!.time).toBe("string");
  });
});
