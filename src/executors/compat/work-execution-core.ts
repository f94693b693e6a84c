/** The original execution core (the spec's layer1.WorkExecutionCore), kept for older callers. */
import { DuplicateExecutorError, ExecutorNotFoundError, UbomError } from "../../core/errors.ts";
import type { WorkContext } from "../../core/context.ts";
import type { Work, WorkType } from "../../core/work.ts";
import type { LegacyWorkResult, WorkExecutor } from "./work-executor.ts";

/**
 * Maps work types to legacy executors and runs works on them.
 *
 * @example
 * const core = new WorkExecutionCore();
 * core.registerExecutor("http", new BackwardCompatibilityAdapter(enhanced));
 * const result = await core.executeWork(work);
 */
export class WorkExecutionCore {
  private readonly executors = new Map<WorkType, WorkExecutor>();

  registerExecutor(workType: WorkType, executor: WorkExecutor): void {
    if (this.executors.has(workType)) throw new DuplicateExecutorError(workType, "an earlier registration", "this executor");
    if (!executor.canExecute(workType)) {
      throw new UbomError(`the executor cannot run work type ${JSON.stringify(workType)}`, { code: "executor_mismatch" });
    }
    this.executors.set(workType, executor);
  }

  async executeWork(work: Work, workContext: WorkContext = { attempt: 1 }, signal = new AbortController().signal): Promise<LegacyWorkResult> {
    const executor = this.executors.get(work.type);
    if (!executor) throw new ExecutorNotFoundError(work.type, [...this.executors.keys()]);
    return executor.execute(signal, work, workContext);
  }
}
