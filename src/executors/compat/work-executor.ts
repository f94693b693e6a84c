/** The original, pre-enhanced executor interface that the spec keeps working. */
import type { WorkContext } from "../../core/context.ts";
import type { Work, WorkType } from "../../core/work.ts";

/** What a legacy executor returns: a plain success flag with output or an error message. */
export interface LegacyWorkResult {
  success: boolean;
  output?: unknown;
  error?: string;
}

/** The spec's original WorkExecutor (layer1): execute with a context, nothing more. */
export interface WorkExecutor {
  execute(signal: AbortSignal, work: Work, workContext: WorkContext): Promise<LegacyWorkResult>;
  canExecute(workType: WorkType): boolean;
}
