/**
 * The files of `schemas/`: the work envelope, one executor_config schema per type, and the
 * config file with every section the binary reads.
 */
import { ServerConfig } from "../api/server-config.ts";
import { QueueConfig, WorkerConfig } from "../engine/queue/nats/nats-config.ts";
import { createRuntime } from "../engine/runtime.ts";
import { UbomConfig } from "../engine/ubom-config.ts";
import { configFileJsonSchema, executorConfigJsonSchema, workJsonSchema } from "../schemas/json-schema.ts";

/**
 * Every schema file's name and text, from the built-in executors and the plugins of
 * `pluginsDir`. Fails when a plugin there cannot be loaded: a schema must not go missing silently.
 */
export async function generateSchemaFiles(pluginsDir: string): Promise<Map<string, string>> {
  const runtime = await createRuntime({ pluginsDir });
  try {
    if (runtime.pluginErrors.length) {
      throw new Error(`cannot generate schemas: ${runtime.pluginErrors.map((error) => error.message).join("; ")}`);
    }
    const types = runtime.registry.getTypes();
    const files = new Map<string, string>();
    const text = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;
    files.set("work.schema.json", text(workJsonSchema(types)));
    // Plugins' sections are checked against each plugin's own schema when it loads.
    files.set("ubom-config.schema.json", text(configFileJsonSchema(UbomConfig, { server: ServerConfig, queue: QueueConfig, worker: WorkerConfig })));
    for (const type of types) {
      files.set(`${type}.schema.json`, text(executorConfigJsonSchema(type, runtime.registry.getExecutor(type).getSchema().config)));
    }
    return files;
  } finally {
    await runtime.shutdown();
  }
}
