/** Liveness, readiness and metrics. */
import { Elysia } from "elysia";
import type { Runtime } from "../../engine/runtime.ts";
import type { WorkQueue } from "../../engine/queue/work-queue.ts";
import type { ServerMetrics } from "./metrics.ts";

const HEALTH_TTL_MS = 10_000;

/** Executor health, checked at most every HEALTH_TTL_MS: /readyz and /metrics share it. */
export class ExecutorHealth {
  private checked = 0;
  private last: Record<string, { healthy: boolean; reason?: string }> = {};
  private pending?: Promise<Record<string, { healthy: boolean; reason?: string }>>;

  constructor(private readonly runtime: Runtime) {}

  async current(): Promise<Record<string, { healthy: boolean; reason?: string }>> {
    if (Date.now() - this.checked < HEALTH_TTL_MS) return this.last;
    this.pending ??= this.check().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async check() {
    const report: Record<string, { healthy: boolean; reason?: string }> = {};
    await Promise.all(
      this.runtime.builtins.map(async (executor) => {
        const type = executor.getSupportedTypes()[0]!;
        report[type] = await executor.healthCheck().then(() => ({ healthy: true }), (error: Error) => ({ healthy: false, reason: error.message }));
      }),
    );
    this.last = report;
    this.checked = Date.now();
    return report;
  }
}

/**
 * `runsWorks`: this process runs works itself (embedded), so its executors' health is part
 * of its readiness; an API node of a cluster only validates and queues them.
 */
export function systemRoutes(runtime: Runtime, queue: WorkQueue, metrics: ServerMetrics, health: ExecutorHealth, runsWorks: boolean) {
  return new Elysia()
    .get("/healthz", () => ({ status: "ok" }), { detail: { summary: "The process is up", tags: ["system"] } })
    .get(
      "/readyz",
      async ({ set }) => {
        const reasons = await queue.notReadyReasons();
        for (const error of runtime.pluginErrors) reasons.push(`plugin ${error.pluginName} failed to load: ${error.message}`);
        const executors = runsWorks ? await health.current() : {};
        for (const [type, state] of Object.entries(executors)) if (!state.healthy) reasons.push(`executor ${type} is unhealthy: ${state.reason}`);
        set.status = reasons.length ? 503 : 200;
        return { ready: reasons.length === 0, reasons, queue: queue.backend, executors };
      },
      { detail: { summary: "Store writable, plugins loaded, executors healthy — or why not", tags: ["system"] } },
    )
    .get(
      "/metrics",
      async () => {
        const counts = await queue.counts();
        metrics.running.set(counts.running);
        metrics.queued.set(counts.queued);
        if (runsWorks) for (const [type, state] of Object.entries(await health.current())) metrics.executorHealthy.set({ type }, state.healthy ? 1 : 0);
        return new Response(await metrics.text(), { headers: { "content-type": metrics.registry.contentType } });
      },
      { detail: { summary: "Prometheus metrics", tags: ["system"] } },
    );
}
