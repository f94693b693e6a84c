/** What every schema-described executor shares, built-in or plugin: schemas, metadata, checks. */
import { ValidationError, type ValidationIssue } from "../core/errors.ts";
import type { WorkMetadata, WorkSchema } from "../core/metadata.ts";
import type { Work, WorkType } from "../core/work.ts";
import { CompiledSchema } from "../schemas/schema-validator.ts";

/**
 * Implements every EnhancedWorkExecutor method but `execute` from a metadata record and a
 * WorkSchema: `validate` checks the config (and input) against the schemas, compiled once,
 * then `extraChecks` for what a schema cannot say.
 */
export abstract class ExecutorBase {
  protected readonly metadata: WorkMetadata;
  protected readonly schema: WorkSchema;
  private readonly configCheck: CompiledSchema;
  private readonly inputCheck?: CompiledSchema;

  protected constructor(metadata: WorkMetadata, schema: WorkSchema) {
    this.metadata = metadata;
    this.schema = schema;
    this.configCheck = new CompiledSchema(schema.config);
    this.inputCheck = schema.input ? new CompiledSchema(schema.input) : undefined;
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

  /** Checks config and input against the schemas, then `extraChecks`; reports every problem. */
  validate(work: Work): void {
    const issues: ValidationIssue[] = this.configCheck.problems(work.executor_config, "executor_config");
    if (this.inputCheck) issues.push(...this.inputCheck.problems(work.input, "input"));
    if (!issues.length) issues.push(...this.extraChecks(work));
    if (issues.length) throw new ValidationError(issues);
  }

  /** Problems the schemas cannot express; none by default. */
  protected extraChecks(_work: Work): ValidationIssue[] {
    return [];
  }
}
