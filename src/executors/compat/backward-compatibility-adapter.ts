/** Lets an EnhancedWorkExecutor serve where the original WorkExecutor is expected. */
import { silentLogger, type WorkContext } from "../../core/context.ts";
import type { Work, WorkType } from "../../core/work.ts";
import { SchemaValidator } from "../../schemas/schema-validator.ts";
import type { EnhancedWorkExecutor } from "../enhanced-work-executor.ts";
import type { LegacyWorkResult, WorkExecutor } from "./work-executor.ts";

/**
 * The spec's BackwardCompatibilityAdapter: validates, executes and flattens the
 * WorkResult into the legacy shape.
 *
 * @example core.registerExecutor("http", new BackwardCompatibilityAdapter(httpPlugin));
 */
export class BackwardCompatibilityAdapter implements WorkExecutor {
  readonly enhanced: EnhancedWorkExecutor;
  private readonly validator = new SchemaValidator();

  constructor(enhanced: EnhancedWorkExecutor) {
    this.enhanced = enhanced;
    for (const type of enhanced.getSupportedTypes()) this.validator.registerSchema(type, enhanced.getSchema());
  }

  async execute(signal: AbortSignal, work: Work, workContext: WorkContext): Promise<LegacyWorkResult> {
    try {
      // Enhanced executors expect a validated work with defaults applied; legacy callers never did that.
      const validated = this.validator.validateWork(work);
      this.enhanced.validate(validated);
      const result = await this.enhanced.execute({ signal, logger: silentLogger, log() {} }, validated, workContext);
      return result.status === "succeeded"
        ? { success: true, output: result.output }
        : { success: false, output: result.output, error: result.error?.message ?? result.status };
    } catch (error) {
      return { success: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  canExecute(workType: WorkType): boolean {
    return this.enhanced.canExecute(workType);
  }
}
