/** The `--queue` option and `queue` section that `serve` and `worker` share. */
import { QueueConfig } from "../engine/queue/nats/nats-config.ts";
import { CompiledSchema } from "../schemas/schema-validator.ts";
import { resolveSecrets } from "../schemas/secrets.ts";
import type { CliSetup } from "./cli-context.ts";

const queueConfigSchema = new CompiledSchema<QueueConfig>(QueueConfig);

export const QUEUE_HELP = `      --queue URL          NATS JetStream servers, e.g. nats://10.0.0.5:4222 (queue.url;
                           auth, TLS and stream settings in the queue section of ubom.json)`;

/**
 * The queue settings with `--queue` applied, and its secrets resolved; undefined when
 * neither the flag nor the config names a queue.
 */
export function queueSettings(setup: CliSetup, url: string | undefined): { config: QueueConfig; secrets: { token?: string; password?: string } } | undefined {
  if (url === undefined && setup.config.queue === undefined) return undefined;
  const config = queueConfigSchema.parse({ ...setup.config.queue, ...(url === undefined ? {} : { url }) }, "queue", "invalid queue settings");
  const { value } = resolveSecrets(QueueConfig, config, "queue");
  return { config, secrets: { token: value.token as string | undefined, password: value.password as string | undefined } };
}
