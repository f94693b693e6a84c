/** Prometheus metrics of the server, in the text format, through prom-client. */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { WorkResult } from "../../core/result.ts";
import type { SchedulerObserver } from "../../engine/scheduler.ts";

export class ServerMetrics implements SchedulerObserver {
  readonly registry = new Registry();
  private readonly finished = new Counter({ name: "ubom_works_total", help: "Works that reached a final status", labelNames: ["type", "status"], registers: [this.registry] });
  private readonly duration = new Histogram({
    name: "ubom_work_duration_seconds",
    help: "Duration of finished works, all attempts included",
    labelNames: ["type"],
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600],
    registers: [this.registry],
  });
  private readonly retries = new Counter({ name: "ubom_work_retries_total", help: "Attempts scheduled again after a retryable failure", labelNames: ["type"], registers: [this.registry] });
  readonly running = new Gauge({ name: "ubom_works_running", help: "Works running now", registers: [this.registry] });
  readonly queued = new Gauge({ name: "ubom_works_queued", help: "Works waiting to run", registers: [this.registry] });
  readonly executorHealthy = new Gauge({ name: "ubom_executor_healthy", help: "1 when the executor's last health check passed", labelNames: ["type"], registers: [this.registry] });

  workFinished(type: string, result: WorkResult): void {
    this.finished.inc({ type, status: result.status });
    this.duration.observe({ type }, result.duration_ms / 1000);
  }

  workRetried(type: string): void {
    this.retries.inc({ type });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
