import { describe, expect, test } from "bun:test";
import {
  DuplicateExecutorError,
  ExecutorNotFoundError,
  PluginError,
  toUbomError,
  UbomError,
  ValidationError,
  WorkCancelledError,
  WorkTimeoutError,
} from "../../src/core/index.ts";

describe("error classes", () => {
  test.each([
    [new ValidationError([{ path: "id", message: "is required" }]), "validation_error", false],
    [new PluginError("p", "initialize", new Error("x")), "plugin_error", false],
    [new ExecutorNotFoundError("nope", ["exec"]), "executor_not_found", false],
    [new DuplicateExecutorError("exec", "a", "b"), "executor_conflict", false],
    [new WorkTimeoutError(500), "timed_out", true],
    [new WorkCancelledError("user"), "cancelled", false],
  ] as const)("%p has a stable code and retryable flag", (error, code, retryable) => {
    expect(error).toBeInstanceOf(UbomError);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.toResultError()).toMatchObject({ code, retryable, message: error.message });
  });

  test("PluginError carries the spec's fields and the cause", () => {
    const cause = new Error("boom");
    const error = new PluginError("http", "initialize", cause, "/plugins/http.ts");
    expect(error.pluginName).toBe("http");
    expect(error.operation).toBe("initialize");
    expect(error.err).toBe(cause);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe("plugin http (/plugins/http.ts): initialize: boom");
    expect(error.details).toEqual({ plugin: "http", operation: "initialize", file: "/plugins/http.ts" });
  });

  test("a PluginError keeps the retryable flag of a ubom cause", () => {
    const error = new PluginError("grpc", "execute", new UbomError("unavailable", { code: "grpc.UNAVAILABLE", retryable: true }));
    expect(error.retryable).toBe(true);
  });

  test("ExecutorNotFoundError lists the known types", () => {
    const error = new ExecutorNotFoundError("dockr", ["docker", "exec"]);
    expect(error.message).toBe('no executor for work type "dockr"; known types: docker, exec');
    expect(error.knownTypes).toEqual(["docker", "exec"]);
  });

  test("toUbomError wraps anything, keeping ubom errors as they are", () => {
    const ubom = new WorkCancelledError();
    expect(toUbomError(ubom)).toBe(ubom);
    const wrapped = toUbomError(new TypeError("bad"), "executor_error");
    expect(wrapped.code).toBe("executor_error");
    expect(wrapped.message).toBe("bad");
    expect(toUbomError("a string").message).toBe("a string");
  });
});
