/** Sound defaults for every plugin method but `execute`. */
import type { TSchema } from "@sinclair/typebox";
import type { ExecutionContext, WorkContext } from "../core/context.ts";
import type { PluginInfo, WorkMetadata, WorkSchema } from "../core/metadata.ts";
import type { WorkResult } from "../core/result.ts";
import type { Work } from "../core/work.ts";
import { ExecutorBase } from "../executors/executor-base.ts";
import type { ExternalWorkPlugin } from "./external-work-plugin.ts";

/** Extra options of a BasePlugin. */
export interface BasePluginOptions {
  /** Schema of the plugin's own config, validated (with defaults) before `initialize`. */
  configSchema?: TSchema;
}

/**
 * The spec's BasePlugin: extend it and write `execute`.
 *
 * @example
 * import { BasePlugin, Type, workSucceeded } from "@ubom/sdk";
 * const Config = Type.Object({ greeting: Type.String({ default: "hello" }) });
 * class HelloPlugin extends BasePlugin {
 *   constructor() {
 *     super({ name: "hello", version: "1.0.0" },
 *           { name: "hello", version: "1.0.0", supported_types: ["hello"] },
 *           { config: Config });
 *   }
 *   async execute(ctx, work) {
 *     return workSucceeded(work, `${work.executor_config.greeting}, world`);
 *   }
 * }
 * export function NewPlugin() { return new HelloPlugin(); }
 */
export abstract class BasePlugin extends ExecutorBase implements ExternalWorkPlugin {
  protected readonly info: PluginInfo;
  /** The validated plugin config given to `initialize`. */
  protected config: Record<string, unknown> = {};
  private readonly pluginConfigSchema?: TSchema;

  constructor(info: PluginInfo, metadata: WorkMetadata, schema: WorkSchema, options: BasePluginOptions = {}) {
    super(metadata, schema);
    this.info = info;
    this.pluginConfigSchema = options.configSchema;
  }

  abstract execute(ctx: ExecutionContext, work: Work, workContext: WorkContext): Promise<WorkResult>;

  async initialize(config: Record<string, unknown>): Promise<void> {
    this.config = config;
  }

  async shutdown(): Promise<void> {}

  async healthCheck(): Promise<void> {}

  getPluginInfo(): PluginInfo {
    return this.info;
  }

  getConfigSchema(): TSchema | undefined {
    return this.pluginConfigSchema;
  }
}
