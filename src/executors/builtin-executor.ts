/** What every built-in executor shares: its schemas, metadata and the config check of its works. */
import type { TSchema } from "@sinclair/typebox";
import { ValidationError, type ValidationIssue } from "../core/errors.ts";
import type { WorkMetadata, WorkSchema } from "../core/metadata.ts";
import type { Work, WorkType } from "../core/work.ts";
import { CompiledSchema } from "../schemas/schema-validator.ts";

/**
 * Base of the built-ins (docker, grpc, serverless): one work type, a config schema for
 * works and one for the executor itself. Subclasses add `execute` and their lifecycle.
 */
export abstract class BuiltinExecutor {
  private readonly configCheck: CompiledSchema;

  protected constructor(
    private readonly metadata: WorkMetadata,
    private readonly workConfig: TSchema,
    private readonly executorConfig: TSchema,
  ) {
    this.configCheck = new CompiledSchema(workConfig);
  }

  getSchema(): WorkSchema {
    return { config: this.workConfig };
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

  getConfigSchema(): TSchema {
    return this.executorConfig;
  }

  /** Checks the work's config against the schema; `extraChecks` add the executor's own. */
  validate(work: Work): void {
    const issues: ValidationIssue[] = this.configCheck.problems(work.executor_config, "executor_config");
    if (!issues.length) issues.push(...this.extraChecks(work));
    if (issues.length) throw new ValidationError(issues);
  }

  /** Problems the schema cannot express; none by default. */
  protected extraChecks(_work: Work): ValidationIssue[] {
    return [];
  }
}
