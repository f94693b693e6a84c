/** Which executor runs which work type, and validation of works against it. */
import { DuplicateExecutorError, ExecutorNotFoundError } from "../core/errors.ts";
import type { Work, WorkType } from "../core/work.ts";
import { SchemaValidator } from "../schemas/schema-validator.ts";
import type { EnhancedWorkExecutor } from "./enhanced-work-executor.ts";

interface Registration {
  executor: EnhancedWorkExecutor;
  owner: string;
}

/**
 * The spec's EnhancedWorkRegistry.
 *
 * @example
 * const registry = new EnhancedWorkRegistry();
 * registry.registerExecutor("http", httpPlugin);
 * const work = registry.validateWork(json);       // throws ValidationError / ExecutorNotFoundError
 * const executor = registry.getExecutor(work.type);
 */
export class EnhancedWorkRegistry {
  readonly validator: SchemaValidator;
  private readonly executors = new Map<WorkType, Registration>();

  constructor(validator = new SchemaValidator()) {
    this.validator = validator;
  }

  /**
   * Registers `executor` for `workType` and compiles its schema. A type already owned is
   * refused with a DuplicateExecutorError naming the owner.
   */
  registerExecutor(workType: WorkType, executor: EnhancedWorkExecutor, owner = executor.getMetadata().name): void {
    const existing = this.executors.get(workType);
    if (existing) throw new DuplicateExecutorError(workType, existing.owner, owner);
    this.validator.registerSchema(workType, executor.getSchema());
    this.executors.set(workType, { executor, owner });
  }

  /** Registers an executor under every type it supports, or none if any is taken. */
  registerAll(executor: EnhancedWorkExecutor, owner = executor.getMetadata().name): WorkType[] {
    const types = executor.getSupportedTypes();
    for (const type of types) {
      const existing = this.executors.get(type);
      if (existing) throw new DuplicateExecutorError(type, existing.owner, owner);
    }
    for (const type of types) this.registerExecutor(type, executor, owner);
    return types;
  }

  /** The executor of a type; throws ExecutorNotFoundError listing the known types. */
  getExecutor(workType: WorkType): EnhancedWorkExecutor {
    const registration = this.executors.get(workType);
    if (!registration) throw new ExecutorNotFoundError(workType, this.getTypes());
    return registration.executor;
  }

  /** Who registered a type, if anyone. */
  getOwner(workType: WorkType): string | undefined {
    return this.executors.get(workType)?.owner;
  }

  /** Every registered type, sorted. */
  getTypes(): WorkType[] {
    return [...this.executors.keys()].sort();
  }

  /**
   * Validates a work (envelope, config, input, then the executor's own checks) and
   * returns it with defaults applied.
   */
  validateWork(work: unknown): Work {
    const type = (work as Partial<Work> | null)?.type;
    if (typeof type === "string" && !this.executors.has(type)) {
      throw new ExecutorNotFoundError(type, this.getTypes());
    }
    const validated = this.validator.validateWork(work);
    this.getExecutor(validated.type).validate(validated);
    return validated;
  }
}
