/** The interface every executor implements, built-in or plugin. */
import type { ExecutionContext, WorkContext } from "../core/context.ts";
import type { WorkMetadata, WorkSchema } from "../core/metadata.ts";
import type { WorkResult } from "../core/result.ts";
import type { Work, WorkType } from "../core/work.ts";

/**
 * Runs works of one or more types. `execute` receives a work already validated, with
 * defaults applied and secrets resolved; it stops when `ctx.signal` aborts.
 */
export interface EnhancedWorkExecutor {
  execute(ctx: ExecutionContext, work: Work, workContext: WorkContext): Promise<WorkResult>;
  /** Checks beyond the schema; throws ValidationError listing every problem. */
  validate(work: Work): void;
  getSchema(): WorkSchema;
  getMetadata(): WorkMetadata;
  canExecute(workType: WorkType): boolean;
  getSupportedTypes(): WorkType[];
}

const EXECUTOR_METHODS = ["execute", "validate", "getSchema", "getMetadata", "canExecute", "getSupportedTypes"] as const;

/** The executor methods a value lacks; empty when it is an executor. */
export function missingExecutorMethods(value: unknown, extra: readonly string[] = []): string[] {
  if (typeof value !== "object" || value === null) return [...EXECUTOR_METHODS, ...extra];
  const record = value as Record<string, unknown>;
  return [...EXECUTOR_METHODS, ...extra].filter((method) => typeof record[method] !== "function");
}
