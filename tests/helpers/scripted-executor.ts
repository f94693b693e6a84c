/** An in-process executor whose behaviour each test scripts: the engine is what is under test. */
import { Type } from "@sinclair/typebox";
import { BasePlugin } from "../../src/plugins/base-plugin.ts";
import type { ExecutionContext, WorkContext, WorkMetadata, WorkResult, Work } from "../../src/core/index.ts";
import type { EnhancedWorkExecutor } from "../../src/executors/index.ts";
import { Secret } from "../../src/schemas/index.ts";

/** What `execute` does, given the context. */
export type Script = (ctx: ExecutionContext, work: Work, workContext: WorkContext) => Promise<WorkResult>;

export const ScriptedConfig = Type.Object(
  { label: Type.String({ default: "x" }), token: Type.Optional(Secret()) },
  { additionalProperties: false },
);

/** A built-in style executor (not a plugin). */
export class ScriptedExecutor implements EnhancedWorkExecutor {
  calls = 0;
  constructor(
    private readonly script: Script,
    private readonly types: string[] = ["scripted"],
    private readonly name = "scripted",
  ) {}

  execute(ctx: ExecutionContext, work: Work, workContext: WorkContext): Promise<WorkResult> {
    this.calls += 1;
    return this.script(ctx, work, workContext);
  }
  validate(): void {}
  getSchema() {
    return { config: ScriptedConfig };
  }
  getMetadata(): WorkMetadata {
    return { name: this.name, version: "9.9.9", supported_types: this.types };
  }
  canExecute(type: string): boolean {
    return this.types.includes(type);
  }
  getSupportedTypes(): string[] {
    return this.types;
  }
}

/** The same, as a plugin. */
export class ScriptedPlugin extends BasePlugin {
  constructor(
    private readonly script: Script,
    types: string[] = ["scripted"],
    name = "scripted-plugin",
  ) {
    super({ name, version: "1.2.3" }, { name, version: "1.2.3", supported_types: types }, { config: ScriptedConfig });
  }
  execute(ctx: ExecutionContext, work: Work, workContext: WorkContext): Promise<WorkResult> {
    return this.script(ctx, work, workContext);
  }
}

/** Resolves when the signal aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}
