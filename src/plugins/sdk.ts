/**
 * `@ubom/sdk`: everything a plugin imports. The binary serves this very module to the
 * plugins it loads (see sdk-module.ts), so a plugin file needs no node_modules and
 * `instanceof` checks hold across the boundary.
 *
 * @example
 * import { BasePlugin, Type, Duration, Secret, workSucceeded, UbomError } from "@ubom/sdk";
 */
export { Type, type Static, type TSchema } from "@sinclair/typebox";
export { Value } from "@sinclair/typebox/value";
export * from "../core/index.ts";
export { Duration, Secret, SecretOrString, SecretRef } from "../schemas/types.ts";
export { BasePlugin, type BasePluginOptions } from "./base-plugin.ts";
export type { ExternalWorkPlugin, PluginFactory } from "./external-work-plugin.ts";
export type { EnhancedWorkExecutor } from "../executors/enhanced-work-executor.ts";
export { OutputCollector } from "../executors/output-collector.ts";
export { VERSION as SDK_VERSION } from "../version.ts";
