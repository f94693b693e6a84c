/** The base of the built-in executors (docker, grpc, serverless). */
import type { TSchema } from "@sinclair/typebox";
import type { WorkMetadata } from "../core/metadata.ts";
import { ExecutorBase } from "./executor-base.ts";

/** One work type, a config schema for its works and one for the executor itself (`executors.<type>`). */
export abstract class BuiltinExecutor extends ExecutorBase {
  private readonly executorConfig: TSchema;

  protected constructor(metadata: WorkMetadata, workConfig: TSchema, executorConfig: TSchema) {
    super(metadata, { config: workConfig });
    this.executorConfig = executorConfig;
  }

  getConfigSchema(): TSchema {
    return this.executorConfig;
  }
}
