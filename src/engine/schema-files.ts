/** The files of `schemas/`: the work envelope and one executor_config schema per type. */
import { executorConfigJsonSchema, workJsonSchema } from "../schemas/json-schema.ts";
import { createRuntime } from "./runtime.ts";

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
    for (const type of types) {
      files.set(`${type}.schema.json`, text(executorConfigJsonSchema(type, runtime.registry.getExecutor(type).getSchema().config)));
    }
    return files;
  } finally {
    await runtime.shutdown();
  }
}
