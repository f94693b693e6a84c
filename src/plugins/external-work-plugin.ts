/** The interface of a plugin: an executor with a lifecycle and an identity. */
import type { TSchema } from "@sinclair/typebox";
import type { PluginInfo } from "../core/metadata.ts";
import { missingExecutorMethods, type EnhancedWorkExecutor } from "../executors/enhanced-work-executor.ts";

/** The spec's ExternalWorkPlugin. */
export interface ExternalWorkPlugin extends EnhancedWorkExecutor {
  /** Receives the plugin's section of the config file, validated when `getConfigSchema` gives a schema. */
  initialize(config: Record<string, unknown>): Promise<void>;
  /** Releases connections, processes and timers; called once at exit. */
  shutdown(): Promise<void>;
  /** Resolves when healthy; throws an error whose message says why not. */
  healthCheck(): Promise<void>;
  getPluginInfo(): PluginInfo;
  /** The schema of the plugin's own config (its section of `ubom.json`), if it has one. */
  getConfigSchema?(): TSchema | undefined;
}

/** What `NewPlugin` is: a factory of fresh plugin instances. */
export type PluginFactory = () => ExternalWorkPlugin;

const PLUGIN_METHODS = ["initialize", "shutdown", "healthCheck", "getPluginInfo"] as const;

/** The plugin methods a value lacks; empty when it is a plugin. */
export function missingPluginMethods(value: unknown): string[] {
  return missingExecutorMethods(value, PLUGIN_METHODS);
}

/** Whether an executor is a plugin (it has a lifecycle). */
export function isExternalWorkPlugin(value: unknown): value is ExternalWorkPlugin {
  return missingPluginMethods(value).length === 0;
}
