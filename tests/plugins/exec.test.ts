import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { WorkCancelledError } from "../../src/core/index.ts";
import { firstPartyRuntime } from "../helpers/first-party.ts";
import { stillRunningAfter } from "../helpers/processes.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const runtime = await firstPartyRuntime();
const dir = tempDir("ubom-exec-");
const run = (executor_config: Record<string, unknown>, extra: Record<string, unknown> = {}, signal?: AbortSignal) =>
  runtime.engine.execute({ id: "exec-work", type: "exec", executor_config, ...extra }, { signal });

/** A shell script that ignores SIGTERM, starts a child that ignores it too, and writes both pids. */
function stubbornScript(pidFile: string): string[] {
  return ["-c", `trap '' TERM; sleep 300 & echo "$$ $!" > ${pidFile}; wait`];
}

describe("exec plugin", () => {
  test("captures stdout, stderr and the exit code, and streams lines live", async () => {
    const live: string[] = [];
    const result = await runtime.engine.execute(
      { id: "e", type: "exec", executor_config: { command: "sh", args: ["-c", "echo out1; echo err1 >&2; echo out2"] } },
      { onLog: (line) => live.push(`${line.stream}:${line.line}`) },
    );
    expect(result).toMatchObject({ status: "succeeded", output: { exit_code: 0, stdout: "out1\nout2\n", stderr: "err1\n" } });
    expect(live.filter((line) => line.startsWith("stdout"))).toEqual(["stdout:out1", "stdout:out2"]);
    expect(live).toContain("stderr:err1");
    expect(result.logs.lines.map((line) => line.line)).toContain("out2");
  });

  test.each([
    [3, [0], [], "failed", false],
    [3, [0], [3], "failed", true],
    [3, [0, 3], [], "succeeded", false],
  ])("exit code %p with success %p and retryable %p ends %p", async (code, success, retryableCodes, status, retryable) => {
    const result = await run({ command: "sh", args: ["-c", `exit ${code}`], success_exit_codes: success, retryable_exit_codes: retryableCodes });
    expect(result.status as string).toBe(status);
    expect(result.metadata.exit_code).toBe(code);
    if (status === "failed") expect(result.error).toMatchObject({ code: "exec.exit_code", retryable, details: { exit_code: code } });
  });

  test("the work's input arrives on stdin as JSON, and JSON stdout is parsed", async () => {
    const result = await run({ command: "cat", output: "json" }, { input: { order: 7, items: ["a"] } });
    expect(result.output).toMatchObject({ stdout: { order: 7, items: ["a"] } });
  });

  test("a string input arrives as is; stdin: false sends nothing", async () => {
    expect((await run({ command: "cat" }, { input: "raw text" })).output).toMatchObject({ stdout: "raw text" });
    expect((await run({ command: "cat", stdin: false }, { input: "raw text" })).output).toMatchObject({ stdout: "" });
  });

  test("stdout that is not JSON fails with the first bytes named", async () => {
    const result = await run({ command: "echo", args: ["not json"], output: "json" });
    expect(result.error?.code).toBe("exec.invalid_json");
    expect(result.error?.message).toContain('it starts with "not json"');
  });

  test("env, inherit_env and cwd reach the command, and a secret env value is redacted", async () => {
    process.env.UBOM_TEST_EXEC_SECRET = "exec-secret-5555";
    try {
      const result = await run({
        command: "sh",
        args: ["-c", 'echo "$PLAIN $SECRET $HOME"; pwd'],
        env: { PLAIN: "plain-value", SECRET: { env: "UBOM_TEST_EXEC_SECRET" } },
        inherit_env: false,
        cwd: dir,
      });
      expect(result.output).toMatchObject({ stdout: `plain-value ******** \n${dir}\n` });
      expect(JSON.stringify(result)).not.toContain("exec-secret-5555");
    } finally {
      delete process.env.UBOM_TEST_EXEC_SECRET;
    }
  });

  test("a timeout kills the whole process group, even children that ignore SIGTERM", async () => {
    const pidFile = join(dir, "pids-timeout");
    const started = performance.now();
    const result = await run({ command: "sh", args: stubbornScript(pidFile), stop_grace: "300ms" }, { timeout: "300ms" });
    expect(result.status).toBe("timed_out");
    expect(result.metadata.stopped_with).toBe("SIGKILL");
    expect(performance.now() - started).toBeLessThan(3_000);
    const pids = readFileSync(pidFile, "utf8").trim().split(" ").map(Number);
    expect(pids).toHaveLength(2);
    expect(await stillRunningAfter(pids, 1_000)).toEqual([]);
  });

  test("a cancel stops a cooperative command with SIGTERM, its children too", async () => {
    const pidFile = join(dir, "pids-cancel");
    const controller = new AbortController();
    setTimeout(() => controller.abort(new WorkCancelledError("test")), 300);
    const result = await run({ command: "sh", args: ["-c", `sleep 300 & echo "$$ $!" > ${pidFile}; wait`] }, {}, controller.signal);
    expect(result.status).toBe("cancelled");
    expect(result.metadata.stopped_with).toBe("SIGTERM");
    const pids = readFileSync(pidFile, "utf8").trim().split(" ").map(Number);
    expect(await stillRunningAfter(pids, 1_000)).toEqual([]);
  });

  test("output past max_output_bytes is cut and flagged", async () => {
    const result = await run({ command: "sh", args: ["-c", "head -c 5000 /dev/zero | tr '\\0' a"], max_output_bytes: 100 });
    expect((result.output as { stdout: string }).stdout).toHaveLength(100);
    expect(result.metadata.stdout_truncated).toBe(true);
  });

  test("a command that does not exist fails with exec.spawn_failed", async () => {
    const result = await run({ command: "/nonexistent/ubom-command" });
    expect(result.error?.code).toBe("exec.spawn_failed");
  });
});

describe("exec plugin config", async () => {
  const guarded = await firstPartyRuntime({ plugins: { exec: { allowed_commands: ["echo"] } } });

  test("allowed_commands refuses other commands at validation, naming the field", async () => {
    expect((await guarded.engine.execute({ id: "ok", type: "exec", executor_config: { command: "echo" } })).status).toBe("succeeded");
    const result = await guarded.engine.execute({ id: "no", type: "exec", executor_config: { command: "rm", args: ["-rf", "/tmp/x"] } });
    expect(result).toMatchObject({ status: "failed", attempts: 0, error: { code: "validation_error" } });
    expect(result.error?.message).toContain('executor_config.command: must be one of the exec plugin\'s allowed_commands (echo): got "rm"');
  });
});
