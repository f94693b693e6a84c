/** What this server can run: validation, executors and their schemas, plugins and their health. */
import { Elysia, t } from "elysia";
import { toUbomError } from "../../core/errors.ts";
import type { Runtime } from "../../engine/runtime.ts";
import { executorConfigJsonSchema } from "../../schemas/json-schema.ts";
import { maskSecrets } from "../../schemas/secrets.ts";
import { fail } from "../errors.ts";

export function catalogRoutes(runtime: Runtime) {
  return new Elysia({ prefix: "/v1" })
    .post(
      "/validate",
      ({ body }) => {
        try {
          const work = runtime.registry.validateWork(body);
          const schema = runtime.registry.getExecutor(work.type).getSchema().config;
          return { valid: true, work: { ...work, executor_config: maskSecrets(schema, work.executor_config) } };
        } catch (error) {
          const { code, message, details } = toUbomError(error).toResultError();
          return { valid: false, error: { code, message, details } };
        }
      },
      { body: t.Unknown(), detail: { summary: "Validate a work without running it", tags: ["catalog"] } },
    )
    .get(
      "/executors",
      () =>
        runtime.registry.getTypes().map((type) => {
          const metadata = runtime.registry.getExecutor(type).getMetadata();
          return { type, name: metadata.name, version: metadata.version, description: metadata.description, capabilities: metadata.capabilities ?? {}, owner: runtime.registry.getOwner(type) };
        }),
      { detail: { summary: "The work types and their executors", tags: ["catalog"] } },
    )
    .get(
      "/executors/:type/schema",
      ({ params }) => {
        if (!runtime.registry.getOwner(params.type)) fail("not_found", `no executor for work type ${params.type}`, { known_types: runtime.registry.getTypes() });
        return executorConfigJsonSchema(params.type, runtime.registry.getExecutor(params.type).getSchema().config);
      },
      { params: t.Object({ type: t.String() }), detail: { summary: "The JSON Schema of a type's executor_config", tags: ["catalog"] } },
    )
    .get(
      "/plugins",
      async () => {
        const rows: { name: string; version?: string; state: string; file?: string; types: string[]; health?: { healthy: boolean; reason?: string }; error?: string }[] = [];
        for (const entry of runtime.loader.listPlugins()) {
          const plugin = entry.state === "initialized" ? runtime.loader.getPlugin(entry.name) : undefined;
          const health = plugin ? await plugin.healthCheck().then(() => ({ healthy: true }), (error: Error) => ({ healthy: false, reason: error.message })) : undefined;
          rows.push({ name: entry.name, version: entry.info?.version, state: entry.state, file: entry.file, types: plugin?.getSupportedTypes() ?? [], health, error: entry.error?.message });
        }
        for (const error of runtime.pluginErrors.filter((e) => !rows.some((row) => row.name === e.pluginName))) {
          rows.push({ name: error.pluginName, version: undefined, state: "failed", file: error.file, types: [], health: undefined, error: error.message });
        }
        return rows;
      },
      { detail: { summary: "Plugins, their state and health", tags: ["catalog"] } },
    );
}
