/**
 * Works per second through the whole execution path (validation, secrets, signal,
 * result, structured logs) with a no-op plugin, against calling that plugin's
 * `execute` directly, in the same process.
 *   bun run bench/dispatch.ts [works]
 */
import { join } from "node:path";
import { silentLogger, type ExecutionContext, type Work } from "../src/core/index.ts";
import { createJsonLogger } from "../src/engine/json-logger.ts";
import { createRuntime } from "../src/engine/runtime.ts";
import { WorkEngine } from "../src/engine/work-engine.ts";
import { report } from "./report.ts";

const WORKS = Number(process.argv[2] ?? 100_000);
const runtime = await createRuntime({ pluginsDir: join(import.meta.dir, "../tests/fixtures/plugins") });
const executor = runtime.registry.getExecutor("noop");
const work = (i: number): Work => ({ id: `bench-${i}`, type: "noop", executor_config: {} });

async function direct(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < WORKS; i++) {
    const ctx: ExecutionContext = { signal: new AbortController().signal, logger: silentLogger, log() {} };
    await executor.execute(ctx, work(i), { attempt: 1 });
  }
  return WORKS / ((performance.now() - started) / 1000);
}

async function throughEngine(engine: WorkEngine): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < WORKS; i++) {
    const result = await engine.execute(work(i));
    if (result.status !== "succeeded") throw new Error(`bench work failed: ${result.error?.message}`);
  }
  return WORKS / ((performance.now() - started) / 1000);
}

// JSON log lines are built at info level as in production, and dropped instead of written.
const logged = new WorkEngine(runtime.registry, { logger: createJsonLogger({ level: "info", write: () => {} }) });
const quiet = new WorkEngine(runtime.registry, { logger: silentLogger });

// Warm both paths so the JIT has compiled them before measuring.
for (let i = 0; i < 2_000; i++) await logged.execute(work(i));
await direct();

const baseline = await direct();
report({ bench: "dispatch", metric: "engine_works_per_s_info_logs", value: await throughEngine(logged), unit: "works/s", baseline }, true);
report({ bench: "dispatch", metric: "engine_works_per_s_no_logs", value: await throughEngine(quiet), unit: "works/s", baseline }, true);
await runtime.shutdown();
