import { describe, expect, test } from "bun:test";
import { UbomError, workFailed, workSucceeded } from "../../src/core/index.ts";
import { BackwardCompatibilityAdapter, WorkExecutionCore } from "../../src/executors/index.ts";
import { ScriptedPlugin } from "../helpers/scripted-executor.ts";

describe("BackwardCompatibilityAdapter with WorkExecutionCore", () => {
  test("runs an enhanced executor through the original core, as the spec's sample does", async () => {
    // enhanced := NewMyEnhancedExecutor(); adapter := NewBackwardCompatibilityAdapter(enhanced)
    const enhanced = new ScriptedPlugin(async (_ctx, work) => workSucceeded(work, { echoed: work.input }));
    const adapter = new BackwardCompatibilityAdapter(enhanced);
    // core := layer1.NewWorkExecutionCore(); err := core.RegisterExecutor(workType, adapter)
    const core = new WorkExecutionCore();
    core.registerExecutor("scripted", adapter);

    const result = await core.executeWork({ id: "w", type: "scripted", executor_config: { label: "l" }, input: 7 });
    expect(result).toEqual({ success: true, output: { echoed: 7 } });
  });

  test("flattens a failed result and a thrown error into the legacy shape", async () => {
    const failing = new BackwardCompatibilityAdapter(
      new ScriptedPlugin(async (_ctx, work) => workFailed(work, { code: "x.failed", message: "it failed", retryable: false }, { output: 1 })),
    );
    expect(await failing.execute(new AbortController().signal, { id: "w", type: "scripted", executor_config: {} }, { attempt: 1 })).toEqual({
      success: false,
      output: 1,
      error: "it failed",
    });
    const throwing = new BackwardCompatibilityAdapter(
      new ScriptedPlugin(async () => {
        throw new UbomError("exploded", { code: "x.boom" });
      }),
    );
    expect(await throwing.execute(new AbortController().signal, { id: "w", type: "scripted", executor_config: {} }, { attempt: 1 })).toEqual({
      success: false,
      error: "exploded",
    });
  });

  test("the adapter validates before executing, as the original core never did", async () => {
    const enhanced = new ScriptedPlugin(async (_ctx, work) => workSucceeded(work, "ran"));
    const result = await new BackwardCompatibilityAdapter(enhanced).execute(
      new AbortController().signal,
      { id: "w", type: "scripted", executor_config: { label: 42 } },
      { attempt: 1 },
    );
    expect(result.success).toBe(false);
    expect(result.error).toContain("executor_config.label");
  });

  test("the core refuses a type the adapter cannot run and a type registered twice", () => {
    const core = new WorkExecutionCore();
    const adapter = new BackwardCompatibilityAdapter(new ScriptedPlugin(async (_c, w) => workSucceeded(w, null)));
    expect(() => core.registerExecutor("other", adapter)).toThrow("cannot run work type");
    core.registerExecutor("scripted", adapter);
    expect(() => core.registerExecutor("scripted", adapter)).toThrow("already registered");
  });
});
