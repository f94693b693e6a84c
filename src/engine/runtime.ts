/**
 * Puts the pieces together for a process: registry, plugin loader, engine. The CLI
 * builds one per command; the API server and workers will build theirs the same way.
 */
import { silentLogger, type Logger } from "../core/context.ts";
import { DuplicateExecutorError, PluginError } from "../core/errors.ts";
import { createBuiltinExecutors } from "../executors/builtin.ts";
import { EnhancedWorkRegistry } from "../executors/enhanced-work-registry.ts";
import type { ManagedExecutor } from "../executors/managed-executor.ts";
import { CompiledSchema } from "../schemas/schema-validator.ts";
import { DefaultPluginLoader } from "../plugins/default-plugin-loader.ts";
import type { UbomConfig } from "./ubom-config.ts";
import { WorkEngine, type WorkEngineOptions } from "./work-engine.ts";

/** Options of a runtime. */
export interface RuntimeOptions extends WorkEngineOptions {
  /** Folder of plugin files to load; none when absent. */
  pluginsDir?: string;
  /** The executors' and plugins' sections of the config file. */
  config?: Partial<Pick<UbomConfig, "executors" | "plugins">>;
  logger?: Logger;
  /** Start the built-ins' background duties (orphan reaping); for processes that run works. */
  startBackground?: boolean;
}

/** A ready registry, loader and engine, with what went wrong while loading plugins. */
export interface Runtime {
  registry: EnhancedWorkRegistry;
  loader: DefaultPluginLoader;
  engine: WorkEngine;
  /** The built-in executors, initialized and registered. */
  builtins: ManagedExecutor[];
  /** Plugins that could not be loaded, initialized or registered; the rest work. */
  pluginErrors: PluginError[];
  shutdown(): Promise<PluginError[]>;
}

/**
 * Initializes the built-in executors with their sections of the config (a bad section is
 * a ValidationError: the config file is wrong), then loads the plugins of `pluginsDir`,
 * initializes each with its section, and registers it for its types. A plugin that fails
 * any step is reported and left out.
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? silentLogger;
  const registry = new EnhancedWorkRegistry();
  const loader = new DefaultPluginLoader(logger);
  const pluginErrors: PluginError[] = [];
  const configs = options.config?.plugins ?? {};

  const builtins = createBuiltinExecutors();
  for (const executor of builtins) {
    const type = executor.getSupportedTypes()[0]!;
    const section = options.config?.executors?.[type] ?? {};
    const config = new CompiledSchema<Record<string, unknown>>(executor.getConfigSchema()).parse(section, `executors.${type}`, `invalid config of the ${type} executor`);
    await executor.initialize(config, logger);
    registry.registerAll(executor, `built-in ${type}`);
    if (options.startBackground) executor.start();
  }

  if (options.pluginsDir) {
    const report = await loader.loadDirectory(options.pluginsDir);
    pluginErrors.push(...report.errors);
    for (const name of report.loaded) {
      const file = loader.listPlugins().find((entry) => entry.name === name)?.file;
      try {
        const plugin = await loader.initializePlugin(name, configs[name] ?? {});
        registry.registerAll(plugin, `plugin ${name}${file ? ` (${file})` : ""}`);
      } catch (error) {
        const pluginError =
          error instanceof PluginError
            ? error
            : new PluginError(name, error instanceof DuplicateExecutorError ? "register" : "initialize", error, file);
        await loader.reject(name, pluginError);
        logger.warn("plugin.rejected", { plugin: name, file, operation: pluginError.operation, error: pluginError.message });
        pluginErrors.push(pluginError);
      }
    }
  }
  for (const name of Object.keys(configs)) {
    if (!loader.listPlugins().some((entry) => entry.name === name)) {
      logger.warn("config.unknown_plugin", { plugin: name, message: `the config has a section for plugin ${name}, which is not loaded` });
    }
  }

  const engine = new WorkEngine(registry, { ...options, logger });
  const shutdown = async () => {
    const [failures] = await Promise.all([loader.shutdownAll(), ...builtins.map((executor) => executor.shutdown())]);
    return failures;
  };
  return { registry, loader, engine, builtins, pluginErrors, shutdown };
}
