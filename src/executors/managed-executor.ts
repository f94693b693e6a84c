/** Built-in executors with a lifecycle: configured from ubom.json, started, shut down. */
import type { TSchema } from "@sinclair/typebox";
import type { Logger } from "../core/context.ts";
import type { EnhancedWorkExecutor } from "./enhanced-work-executor.ts";

/** Facts a healthy executor reports, Nomad-style: `{ "docker.version": "20.10.24" }`. */
export type HealthAttributes = Record<string, string | number | boolean>;

/** A built-in executor: an EnhancedWorkExecutor that owns connections or background duties. */
export interface ManagedExecutor extends EnhancedWorkExecutor {
  /** The schema of its section of `ubom.json` (`executors.<type>`). */
  getConfigSchema(): TSchema;
  /** Receives its validated config; must not fail because a backend is down (health says so). */
  initialize(config: Record<string, unknown>, logger: Logger): Promise<void>;
  /** Starts background duties, such as removing orphans; only processes that run works call it. */
  start(): void;
  shutdown(): Promise<void>;
  /** Resolves with attributes when healthy; throws an error saying why not. */
  healthCheck(): Promise<HealthAttributes>;
}
