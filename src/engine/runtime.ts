/**
 * Puts the pieces together for a process: registry, plugin loader, engine. The CLI
 * builds one per command; the API server and workers will build theirs the same way.
 */
import { silentLogger, type Logger } from "../core/context.ts";
import { DuplicateExecutorError, PluginError } from "../core/errors.ts";
import { EnhancedWorkRegistry } from "../executors/enhanced-work-registry.ts";
import { DefaultPluginLoader } from "../plugins/default-plugin-loader.ts";
import type { UbomConfig } from "./ubom-config.ts";
import { WorkEngine, type WorkEngineOptions } from "./work-engine.ts";

/** Options of a runtime. */
export interface RuntimeOptions extends WorkEngineOptions {
  /** Folder of plugin files to load; none when absent. */
  pluginsDir?: string;
  config?: UbomConfig;
  logger?: Logger;
}

/** A ready registry, loader and engine, with what went wrong while loading plugins. */
export interface Runtime {
  registry: EnhancedWorkRegistry;
  loader: DefaultPluginLoader;
  engine: WorkEngine;
  /** Plugins that could not be loaded, initialized or registered; the rest work. */
  pluginErrors: PluginError[];
  shutdown(): Promise<PluginError[]>;
}

/**
 * Loads the plugins of `pluginsDir`, initializes each with its section of the config,
 * and registers it for its types. A plugin that fails any step is reported and left out.
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? silentLogger;
  const registry = new EnhancedWorkRegistry();
  const loader = new DefaultPluginLoader(logger);
  const pluginErrors: PluginError[] = [];
  const configs = options.config?.plugins ?? {};

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
  return { registry, loader, engine, pluginErrors, shutdown: () => loader.shutdownAll() };
}
