import { describe, expect, test } from "bun:test";
import { DuplicateExecutorError, ExecutorNotFoundError, ValidationError, workSucceeded } from "../../src/core/index.ts";
import { EnhancedWorkRegistry } from "../../src/executors/index.ts";
import { ScriptedExecutor } from "../helpers/scripted-executor.ts";

const ok = async (_: unknown, work: Parameters<typeof workSucceeded>[0]) => workSucceeded(work, null);

describe("EnhancedWorkRegistry", () => {
  test("registers and finds an executor by type", () => {
    const registry = new EnhancedWorkRegistry();
    const executor = new ScriptedExecutor(ok, ["alpha", "beta"]);
    expect(registry.registerAll(executor)).toEqual(["alpha", "beta"]);
    expect(registry.getExecutor("alpha")).toBe(executor);
    expect(registry.getExecutor("beta")).toBe(executor);
    expect(registry.getTypes()).toEqual(["alpha", "beta"]);
  });

  test("an unknown type is an ExecutorNotFoundError listing the known types", () => {
    const registry = new EnhancedWorkRegistry();
    registry.registerExecutor("beta", new ScriptedExecutor(ok, ["beta"]));
    registry.registerExecutor("alpha", new ScriptedExecutor(ok, ["alpha"]));
    expect(() => registry.getExecutor("gamma")).toThrow(ExecutorNotFoundError);
    expect(() => registry.getExecutor("gamma")).toThrow('no executor for work type "gamma"; known types: alpha, beta');
    expect(() => registry.validateWork({ id: "w", type: "gamma", executor_config: {} })).toThrow(ExecutorNotFoundError);
  });

  test("a type registered twice is refused, naming the first owner", () => {
    const registry = new EnhancedWorkRegistry();
    registry.registerExecutor("alpha", new ScriptedExecutor(ok, ["alpha"], "first"));
    const second = new ScriptedExecutor(ok, ["alpha"], "second");
    expect(() => registry.registerExecutor("alpha", second)).toThrow(DuplicateExecutorError);
    expect(() => registry.registerExecutor("alpha", second)).toThrow('work type "alpha" is already registered by first; second cannot claim it');
    expect(registry.getExecutor("alpha").getMetadata().name).toBe("first");
  });

  test("registerAll claims no type when any is taken", () => {
    const registry = new EnhancedWorkRegistry();
    registry.registerExecutor("beta", new ScriptedExecutor(ok, ["beta"], "first"));
    expect(() => registry.registerAll(new ScriptedExecutor(ok, ["alpha", "beta"], "second"))).toThrow(DuplicateExecutorError);
    expect(registry.getTypes()).toEqual(["beta"]);
  });

  test("validateWork checks the executor's schema and applies its defaults", () => {
    const registry = new EnhancedWorkRegistry();
    registry.registerAll(new ScriptedExecutor(ok));
    expect(registry.validateWork({ id: "w", type: "scripted", executor_config: {} }).executor_config).toEqual({ label: "x" });
    expect(() => registry.validateWork({ id: "w", type: "scripted", executor_config: { label: 3 } })).toThrow(ValidationError);
  });

  test("validateWork runs the executor's own checks after the schema's", () => {
    const registry = new EnhancedWorkRegistry();
    const executor = new ScriptedExecutor(ok);
    executor.validate = () => {
      throw new ValidationError([{ path: "executor_config.label", message: "must not be forbidden" }]);
    };
    registry.registerAll(executor);
    expect(() => registry.validateWork({ id: "w", type: "scripted", executor_config: { label: "forbidden" } })).toThrow("must not be forbidden");
  });
});
