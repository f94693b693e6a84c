/** `ubom serve`: the HTTP API over the embedded store, until SIGTERM or SIGINT. */
import { resolve } from "node:path";
import { createApiTokens, parseEnvTokens, type Access } from "../../api/auth.ts";
import { createApp } from "../../api/app.ts";
import { ServerConfig } from "../../api/server-config.ts";
import { ServerMetrics } from "../../api/system/metrics.ts";
import { parseDuration } from "../../core/duration.ts";
import { UbomError } from "../../core/errors.ts";
import { connectCluster } from "../../engine/queue/nats/nats-connection.ts";
import { NatsQueue } from "../../engine/queue/nats/nats-queue.ts";
import { EmbeddedQueue } from "../../engine/queue/embedded-queue.ts";
import type { WorkQueue } from "../../engine/queue/work-queue.ts";
import { WorkScheduler } from "../../engine/scheduler.ts";
import { WorkStore } from "../../engine/store/work-store.ts";
import { CompiledSchema } from "../../schemas/schema-validator.ts";
import { resolveSecrets } from "../../schemas/secrets.ts";
import { COMMON_HELP, COMMON_OPTIONS, parseCommandArgs, runtimeFor, setUp, UsageError, type Command } from "../cli-context.ts";
import { ExitCode } from "../exit-codes.ts";
import { splitListen } from "../listen-address.ts";
import { QUEUE_HELP, queueSettings } from "../queue-options.ts";

const serverConfigSchema = new CompiledSchema<ServerConfig>(ServerConfig);

function isLoopback(host: string): boolean {
  return host === "localhost" || host.startsWith("127.") || host === "::1" || host === "[::1]";
}

export const serveCommand: Command = {
  name: "serve",
  usage: `Usage: ubom serve [--listen 127.0.0.1:8080] [--data ./ubom-data | --queue nats://HOST:4222] [options]

Accepts works over HTTP (/v1/works), runs them under concurrency limits and keeps every
state change in an embedded SQLite store, so a restart loses nothing. API reference:
/docs, /openapi.json. SIGTERM or SIGINT stops accepting work, lets running works finish
within server.shutdown_grace, cancels the rest and exits 0.

With --queue, this is an API node of a cluster: works go to NATS JetStream and
\`ubom worker\` processes run them; any number of API nodes share the same queue.

      --listen HOST:PORT   where to listen (default 127.0.0.1:8080; server.listen)
      --data DIR           the store's folder (default ./ubom-data; server.data_dir)
${QUEUE_HELP}
${COMMON_HELP}`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { ...COMMON_OPTIONS, listen: { type: "string" }, data: { type: "string" }, queue: { type: "string" } });
    if (values.help) return (process.stdout.write(`${this.usage}\n`), ExitCode.OK);
    const setup = setUp(values);
    const section = { ...setup.config.server, ...(values.listen ? { listen: values.listen } : {}), ...(values.data ? { data_dir: values.data } : {}) };
    const config = serverConfigSchema.parse(section, "server", "invalid server settings");
    const { value: resolved } = resolveSecrets(ServerConfig, config, "server");
    const { hostname, port } = splitListen(config.listen);
    const tokens = createApiTokens([...(resolved.tokens as { token: string; access: Access }[]), ...parseEnvTokens(process.env.UBOM_API_TOKENS)], isLoopback(hostname));

    if (values.queue !== undefined && values.data !== undefined) throw new UsageError("--data and --queue exclude each other: an API node keeps its works in the queue, not in a data folder");
    const queueConfig = queueSettings(setup, values.queue);
    const metrics = new ServerMetrics();
    let queue: WorkQueue;
    let closeStore = () => {};
    let startQueue = () => {};
    let runtime;
    if (queueConfig) {
      // An API node validates and queues; the workers run, so no executor work starts here.
      runtime = await runtimeFor(setup, false);
      try {
        queue = await NatsQueue.open(await connectCluster(queueConfig.config, queueConfig.secrets, "api", setup.logger), setup.logger);
      } catch (error) {
        await runtime.shutdown();
        throw new UbomError((error as Error).message, { code: "config_error" });
      }
    } else {
      let store: WorkStore;
      try {
        store = new WorkStore(resolve(config.data_dir));
      } catch (error) {
        throw new UbomError(`cannot open the store in ${resolve(config.data_dir)}: ${(error as Error).message}`, { code: "config_error" });
      }
      runtime = await runtimeFor(setup, true);
      const scheduler = new WorkScheduler(store, runtime.engine, config.concurrency, setup.logger, metrics);
      scheduler.recover();
      queue = new EmbeddedQueue(store, scheduler);
      closeStore = () => store.close();
      startQueue = () => scheduler.pump();
    }
    let stopping = false;
    const app = createApp({ runtime, queue, metrics, tokens, logger: setup.logger, isStopping: () => stopping, accessLog: setup.logLevel === "debug" || setup.logLevel === "info" });
    try {
      // Elysia asks for SO_REUSEPORT; a second server on the same port would then silently
      // take half the requests, against another store. One server per port.
      app.listen({ hostname, port, maxRequestBodySize: config.max_body_bytes, reusePort: false });
    } catch (error) {
      await queue.shutdown(0);
      await runtime.shutdown();
      closeStore();
      throw new UbomError(`cannot listen on ${config.listen}: ${(error as Error).message}`, { code: "config_error" });
    }
    const where = queueConfig ? { queue: queueConfig.config.url.replace(/\/\/[^@/]*@/g, "//") } : { data_dir: resolve(config.data_dir) };
    setup.logger.info("server.listening", { url: `http://${config.listen}`, ...where, auth: tokens.required });
    startQueue();

    await new Promise<void>((resolveStop) => {
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        setup.logger.info("server.stopping", { signal });
        resolveStop();
      };
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
    await queue.shutdown(parseDuration(config.shutdown_grace, "server.shutdown_grace"));
    await app.stop();
    await runtime.shutdown();
    closeStore();
    setup.logger.info("server.stopped", {});
    return ExitCode.OK;
  },
};
