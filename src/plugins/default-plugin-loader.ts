/**
 * Finds, imports, initializes and shuts down plugins. A broken plugin is reported as a
 * PluginError naming its file and the failed operation; it never stops the others.
 */
import { readdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { silentLogger, type Logger } from "../core/context.ts";
import { PluginError } from "../core/errors.ts";
import type { PluginInfo } from "../core/metadata.ts";
import { CompiledSchema } from "../schemas/schema-validator.ts";
import { missingPluginMethods, type ExternalWorkPlugin, type PluginFactory } from "./external-work-plugin.ts";
import { registerSdkModule } from "./sdk-module.ts";

/** Where a plugin is in its life. */
export type PluginState = "registered" | "initialized" | "failed" | "shut_down";

/** A plugin as the loader knows it. */
export interface PluginEntry {
  name: string;
  file?: string;
  state: PluginState;
  info?: PluginInfo;
  error?: PluginError;
}

/** What loading a folder did: the plugins it registered and the files it could not load. */
export interface LoadReport {
  loaded: string[];
  errors: PluginError[];
}

interface Slot extends PluginEntry {
  factory: PluginFactory;
  instance?: ExternalWorkPlugin;
}

const PLUGIN_FILE = /^[^._].*\.(ts|js|mjs)$/;
const NOT_A_PLUGIN_FILE = /\.(d|test|spec)\.(ts|js|mjs)$/;

/** Whether a file name looks like a plugin module (tests, declarations and dotfiles do not). */
export function isPluginFileName(name: string): boolean {
  return PLUGIN_FILE.test(name) && !NOT_A_PLUGIN_FILE.test(name);
}

/**
 * The spec's DefaultPluginLoader.
 *
 * @example
 * const loader = new DefaultPluginLoader(logger);
 * const report = await loader.loadDirectory("./plugins");
 * await loader.initializePlugin("http", { user_agent: "ubom" });
 * const http = loader.getPlugin("http");
 */
export class DefaultPluginLoader {
  private readonly logger: Logger;
  private readonly slots = new Map<string, Slot>();

  constructor(logger: Logger = silentLogger) {
    this.logger = logger;
    registerSdkModule();
  }

  /** Registers a factory under `name`; a name already taken is refused. */
  registerPlugin(name: string, factory: PluginFactory, file?: string): void {
    const existing = this.slots.get(name);
    if (existing) {
      const where = existing.file ? ` from ${existing.file}` : "";
      throw new PluginError(name, "register", new Error(`a plugin named ${name} is already registered${where}`), file);
    }
    this.slots.set(name, { name, file, factory, state: "registered" });
  }

  /**
   * Creates the plugin (once), validates `config` against its config schema with defaults
   * applied, and calls `initialize`. Any failure is a PluginError and marks it failed.
   */
  async initializePlugin(name: string, config: Record<string, unknown> = {}): Promise<ExternalWorkPlugin> {
    const slot = this.slots.get(name);
    if (!slot) throw new PluginError(name, "initialize", new Error(`no plugin named ${name} is registered`));
    if (slot.state === "initialized" && slot.instance) return slot.instance;
    try {
      const plugin = slot.instance ?? this.instantiate(slot);
      const configSchema = plugin.getConfigSchema?.();
      const checked = configSchema
        ? new CompiledSchema<Record<string, unknown>>(configSchema).parse(config, `plugins.${name}`, `invalid config of plugin ${name}`)
        : config;
      await plugin.initialize(checked);
      slot.state = "initialized";
      this.logger.debug("plugin.initialized", { plugin: name, file: slot.file });
      return plugin;
    } catch (error) {
      throw this.fail(slot, error instanceof PluginError ? error : new PluginError(name, "initialize", error, slot.file));
    }
  }

  /** An initialized plugin; throws PluginError when it is unknown or not initialized. */
  getPlugin(name: string): ExternalWorkPlugin {
    const slot = this.slots.get(name);
    if (!slot?.instance || slot.state !== "initialized") {
      const why = !slot ? "is not registered" : slot.error ? `failed: ${slot.error.message}` : `is ${slot.state}`;
      throw new PluginError(name, "get", new Error(`plugin ${name} ${why}`), slot?.file);
    }
    return slot.instance;
  }

  /** Every plugin the loader knows, with its state and error. */
  listPlugins(): PluginEntry[] {
    return [...this.slots.values()].map(({ name, file, state, info, error }) => ({ name, file, state, info, error }));
  }

  /**
   * Imports every plugin module in `dir` (sorted by name) and registers each under the
   * name its `getPluginInfo()` gives. Broken files are returned as errors.
   */
  async loadDirectory(dir: string): Promise<LoadReport> {
    const report: LoadReport = { loaded: [], errors: [] };
    let names: string[];
    try {
      names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && isPluginFileName(e.name)).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return report;
      report.errors.push(new PluginError(dir, "read directory", error, dir));
      return report;
    }
    for (const name of names.sort()) {
      try {
        report.loaded.push(await this.loadFile(join(dir, name)));
      } catch (error) {
        const pluginError = error instanceof PluginError ? error : new PluginError(name, "load", error, join(dir, name));
        this.logger.warn("plugin.load_failed", { file: pluginError.file, operation: pluginError.operation, error: pluginError.message });
        report.errors.push(pluginError);
      }
    }
    return report;
  }

  /** Imports one plugin module and registers it; returns the plugin's name. */
  async loadFile(path: string): Promise<string> {
    const file = resolve(path);
    const label = basename(file).replace(/\.(ts|js|mjs)$/, "");
    let module: Record<string, unknown>;
    try {
      module = await import(file);
    } catch (error) {
      throw new PluginError(label, "import", error, file);
    }
    const exported = module.NewPlugin ?? module.default;
    if (typeof exported !== "function") {
      throw new PluginError(label, "load", new Error("the module exports no NewPlugin function"), file);
    }
    const factory = exported as PluginFactory;
    const instance = createPlugin(label, factory, file);
    let info: PluginInfo;
    try {
      info = instance.getPluginInfo();
    } catch (error) {
      throw new PluginError(label, "getPluginInfo", error, file);
    }
    if (typeof info?.name !== "string" || !info.name) {
      throw new PluginError(label, "getPluginInfo", new Error("getPluginInfo() must return a non-empty name"), file);
    }
    this.registerPlugin(info.name, factory, file);
    const slot = this.slots.get(info.name)!;
    slot.instance = instance;
    slot.info = info;
    return info.name;
  }

  /** Marks a plugin failed (e.g. its types were taken) and shuts it down if it started. */
  async reject(name: string, error: PluginError): Promise<void> {
    const slot = this.slots.get(name);
    if (!slot) return;
    const wasStarted = slot.state === "initialized";
    this.fail(slot, error);
    if (wasStarted) await slot.instance?.shutdown().catch(() => {});
  }

  /** Shuts every initialized plugin down, in reverse order; returns the failures. */
  async shutdownAll(): Promise<PluginError[]> {
    const failures: PluginError[] = [];
    for (const slot of [...this.slots.values()].reverse()) {
      if (slot.state !== "initialized" || !slot.instance) continue;
      try {
        await slot.instance.shutdown();
        slot.state = "shut_down";
      } catch (error) {
        failures.push(this.fail(slot, new PluginError(slot.name, "shutdown", error, slot.file)));
      }
    }
    return failures;
  }

  private instantiate(slot: Slot): ExternalWorkPlugin {
    slot.instance = createPlugin(slot.name, slot.factory, slot.file);
    slot.info = slot.instance.getPluginInfo();
    return slot.instance;
  }

  private fail(slot: Slot, error: PluginError): PluginError {
    slot.state = "failed";
    slot.error = error;
    return error;
  }
}

/** Calls a factory and checks that it made a plugin. */
function createPlugin(label: string, factory: PluginFactory, file?: string): ExternalWorkPlugin {
  let instance: ExternalWorkPlugin;
  try {
    instance = factory();
  } catch (error) {
    throw new PluginError(label, "NewPlugin", error, file);
  }
  const missing = missingPluginMethods(instance);
  if (missing.length) {
    const why = `NewPlugin() returned something that is not a plugin: it lacks ${missing.join(", ")}`;
    throw new PluginError(label, "NewPlugin", new Error(why), file);
  }
  return instance;
}
