/** Sound defaults for every plugin method but `execute`. */
import type { TSchema } from "@sinclair/typebox";
import type { ExecutionContext, WorkContext } from "../core/context.ts";
import { ValidationError, type ValidationIssue } from "../core/errors.ts";
import type { PluginInfo, WorkMetadata, WorkSchema } from "../core/metadata.ts";
import type { WorkResult } from "../core/result.ts";
import type { Work, WorkType } from "../core/work.ts";
import { CompiledSchema } from "../schemas/schema-validator.ts";
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
export abstract class BasePlugin implements ExternalWorkPlugin {
  protected readonly info: PluginInfo;
  protected readonly metadata: WorkMetadata;
  protected readonly schema: WorkSchema;
  /** The validated plugin config given to `initialize`. */
  protected config: Record<string, unknown> = {};
  private readonly configCheck: CompiledSchema;
  private readonly inputCheck?: CompiledSchema;
  private readonly pluginConfigSchema?: TSchema;

  constructor(info: PluginInfo, metadata: WorkMetadata, schema: WorkSchema, options: BasePluginOptions = {}) {
    this.info = info;
    this.metadata = metadata;
    this.schema = schema;
    this.configCheck = new CompiledSchema(schema.config);
    this.inputCheck = schema.input ? new CompiledSchema(schema.input) : undefined;
    this.pluginConfigSchema = options.configSchema;
  }

  abstract execute(ctx: ExecutionContext, work: Work, workContext: WorkContext): Promise<WorkResult>;

  /** Checks config and input against the schema, reporting every problem. */
  validate(work: Work): void {
    const issues: ValidationIssue[] = this.configCheck.problems(work.executor_config, "executor_config");
    if (this.inputCheck) issues.push(...this.inputCheck.problems(work.input, "input"));
    if (issues.length) throw new ValidationError(issues);
  }

  getSchema(): WorkSchema {
    return this.schema;
  }

  getMetadata(): WorkMetadata {
    return this.metadata;
  }

  canExecute(workType: WorkType): boolean {
    return this.metadata.supported_types.includes(workType);
  }

  getSupportedTypes(): WorkType[] {
    return [...this.metadata.supported_types];
  }

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
