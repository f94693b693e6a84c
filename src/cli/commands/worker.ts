/** `ubom worker`: runs works from a NATS JetStream cluster until SIGTERM or SIGINT. */
import { hostname } from "node:os";
import { ServerMetrics } from "../../api/system/metrics.ts";
import { parseDuration } from "../../core/duration.ts";
import { UbomError } from "../../core/errors.ts";
import { WorkerConfig } from "../../engine/queue/nats/nats-config.ts";
import { connectCluster } from "../../engine/queue/nats/nats-connection.ts";
import { NatsWorker } from "../../engine/queue/nats/nats-worker.ts";
import { CompiledSchema } from "../../schemas/schema-validator.ts";
import { COMMON_HELP, COMMON_OPTIONS, parseCommandArgs, runtimeFor, setUp, UsageError, type Command } from "../cli-context.ts";
import { ExitCode } from "../exit-codes.ts";
import { splitListen } from "../listen-address.ts";
import { QUEUE_HELP, queueSettings } from "../queue-options.ts";

const workerConfigSchema = new CompiledSchema<WorkerConfig>(WorkerConfig);

export const workerCommand: Command = {
  name: "worker",
  usage: `Usage: ubom worker --queue nats://HOST:4222 [--concurrency N] [--types a,b] [--admin HOST:PORT] [options]

Takes works from the NATS JetStream queue that \`ubom serve --queue\` API nodes fill, for
every type this worker has an executor for (or only --types), runs them and records the
results in the cluster. Needs no HTTP port; --admin serves /healthz and /metrics.
SIGTERM or SIGINT stops taking works, lets running ones finish within
worker.shutdown_grace and hands the rest back to the queue for another worker.

${QUEUE_HELP}
      --concurrency N      works run at once (default 8; worker.concurrency.global)
      --types LIST         only these work types, comma-separated (worker.types)
      --admin HOST:PORT    serve /healthz and /metrics here (worker.admin_listen)
${COMMON_HELP}`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { ...COMMON_OPTIONS, queue: { type: "string" }, concurrency: { type: "string" }, types: { type: "string" }, admin: { type: "string" } });
    if (values.help) return (process.stdout.write(`${this.usage}\n`), ExitCode.OK);
    const setup = setUp(values);
    const queue = queueSettings(setup, values.queue);
    if (!queue) throw new UsageError("a worker needs a queue: --queue nats://HOST:4222, or queue.url in the config file");
    const section: Record<string, unknown> = { ...setup.config.worker };
    if (values.concurrency !== undefined) {
      const global = Number(values.concurrency);
      if (!Number.isInteger(global) || global < 1) throw new UsageError(`--concurrency must be a whole number of at least 1: got ${JSON.stringify(values.concurrency)}`);
      section.concurrency = { ...(section.concurrency as object | undefined), global };
    }
    if (values.types !== undefined) section.types = values.types.split(",").map((type) => type.trim()).filter(Boolean);
    if (values.admin !== undefined) section.admin_listen = values.admin;
    const config = workerConfigSchema.parse(section, "worker", "invalid worker settings");

    const runtime = await runtimeFor(setup, true);
    const available = runtime.registry.getTypes();
    const unknown = (config.types ?? []).filter((type) => !available.includes(type));
    if (unknown.length) {
      await runtime.shutdown();
      throw new UsageError(`--types names types no executor here runs: ${unknown.join(", ")} (available: ${available.join(", ")})`);
    }
    const types = config.types ?? available;
    let cluster;
    try {
      cluster = await connectCluster(queue.config, queue.secrets, "worker", setup.logger);
    } catch (error) {
      await runtime.shutdown();
      throw new UbomError((error as Error).message, { code: "config_error" });
    }
    const metrics = new ServerMetrics();
    const name = `${hostname()}:${process.pid}`;
    const worker = new NatsWorker(cluster, runtime.engine, { name, types, limits: config.concurrency }, setup.logger, metrics);
    await worker.start();

    let admin: ReturnType<typeof Bun.serve> | undefined;
    if (config.admin_listen) {
      const { hostname: adminHost, port } = splitListen(config.admin_listen);
      try {
        admin = Bun.serve({
          hostname: adminHost,
          port,
          reusePort: false,
          fetch: async (request) => {
            const path = new URL(request.url).pathname;
            if (path === "/healthz") return Response.json({ status: "ok", worker: name, types, running: worker.runningCount });
            if (path === "/metrics") {
              metrics.running.set(worker.runningCount);
              return new Response(await metrics.text(), { headers: { "content-type": metrics.registry.contentType } });
            }
            return Response.json({ error: { code: "not_found", message: "no such route: the admin port serves /healthz and /metrics" } }, { status: 404 });
          },
        });
      } catch (error) {
        await worker.shutdown(0);
        await runtime.shutdown();
        throw new UbomError(`cannot listen on ${config.admin_listen}: ${(error as Error).message}`, { code: "config_error" });
      }
    }
    setup.logger.info("worker.ready", { worker: name, queue: cluster.servers, types, concurrency: config.concurrency.global, admin: config.admin_listen });

    await new Promise<void>((resolveStop) => {
      const stop = (signal: NodeJS.Signals) => {
        setup.logger.info("worker.stopping", { signal, running: worker.runningCount });
        resolveStop();
      };
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
    await worker.shutdown(parseDuration(config.shutdown_grace, "worker.shutdown_grace"));
    admin?.stop(true);
    await runtime.shutdown();
    setup.logger.info("worker.stopped", {});
    return ExitCode.OK;
  },
};
