/**
 * The compiled binary, copied with plugins into a fresh folder with no node_modules, as a
 * user installs it: plugins import @ubom/sdk from the binary itself.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildBinaryInFreshFolder, installPlugin, ubom } from "../helpers/binary.ts";
import { stillRunningAfter } from "../helpers/processes.ts";

const dir = await buildBinaryInFreshFolder();
installPlugin(dir, "tests/fixtures/plugins/noop.ts");
installPlugin(dir, "tests/fixtures/plugins/throws-in-execute.ts");
installPlugin(dir, "plugins/exec.ts");
installPlugin(dir, "plugins/http.ts");
const write = (name: string, document: unknown) => {
  writeFileSync(join(dir, name), typeof document === "string" ? document : JSON.stringify(document));
  return join(dir, name);
};

describe("ubom run", () => {
  test("runs a work through a plugin copied next to the binary", async () => {
    const file = write("noop.json", { id: "n1", type: "noop", executor_config: { echo: "hi" } });
    const run = await ubom(dir, ["run", file]);
    expect(run.exitCode).toBe(0);
    expect(run.json()).toMatchObject({ work_id: "n1", status: "succeeded", output: "hi", attempts: 1, executor: { type: "noop", name: "noop", version: "1.0.0" } });
    const events = run.stderr.trim().split("\n").map((line) => JSON.parse(line).msg);
    expect(events).toEqual(["work.started", "work.finished"]);
  });

  test("a plugin that throws in execute gives a failed result with a PluginError code and a clean exit", async () => {
    const run = await ubom(dir, ["run", write("throws.json", { id: "t1", type: "thrower", executor_config: {} })]);
    expect(run.exitCode).toBe(1);
    expect(run.json()).toMatchObject({
      status: "failed",
      error: { code: "plugin_error", message: "plugin thrower: execute: the plugin broke on purpose", retryable: false },
    });
    expect(run.stderr).not.toContain("    at ");
  });

  test("reads the work from stdin with -", async () => {
    const run = await ubom(dir, ["run", "-"], { stdin: JSON.stringify({ id: "s1", type: "noop", executor_config: {} }) });
    expect(run.json().status).toBe("succeeded");
  });

  test("streams the work's log lines to stderr, and --quiet silences them", async () => {
    const file = write("echo.json", { id: "e1", type: "exec", executor_config: { command: "echo", args: ["a line"] } });
    const loud = await ubom(dir, ["run", file]);
    expect(loud.stderr).toContain('"stream":"stdout","line":"a line"');
    const quiet = await ubom(dir, ["run", "--quiet", "--log-level", "silent", file]);
    expect(quiet.stderr).toBe("");
    expect(quiet.json().output.stdout).toBe("a line\n");
  });

  test.each([
    ["an invalid work", { id: "bad id", type: "exec", executor_config: { command: 1 } }, 'executor_config.command'],
    ["an unknown type", { id: "u", type: "nope", executor_config: {} }, "known types: docker, exec, grpc, http, noop, serverless, thrower"],
  ])("%s exits 2 with a failed result naming the problem", async (_name, document, text) => {
    const run = await ubom(dir, ["run", write("invalid.json", document)]);
    expect(run.exitCode).toBe(2);
    expect(run.json().error.message).toContain(text);
  });

  test.each([
    ["a missing file", ["run", "nowhere.json"], "cannot read work file nowhere.json: no such file"],
    ["a file that is not JSON", ["run", "broken.json"], "work file broken.json is not valid JSON"],
    ["an unknown option", ["run", "--frobnicate", "x.json"], "Unknown option '--frobnicate'"],
    ["an unknown command", ["frobnicate"], 'unknown command "frobnicate"'],
    ["a bad log level", ["run", "--log-level", "loud", "x.json"], "--log-level must be debug, info, warn, error or silent"],
  ])("%s is a clear error and exit 2, with no stack trace", async (_name, args, message) => {
    write("broken.json", "{ not json");
    const run = await ubom(dir, args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain("    at ");
  });

  test("a timeout exits 3 with a timed_out result", async () => {
    const file = write("slow.json", { id: "slow", type: "exec", executor_config: { command: "sleep", args: ["30"] }, timeout: "200ms" });
    const run = await ubom(dir, ["run", file]);
    expect(run.exitCode).toBe(3);
    expect(run.json().status).toBe("timed_out");
  });

  test("SIGTERM cancels the work: result cancelled, exit 4, no process left behind", async () => {
    const pidFile = join(dir, "pids");
    const file = write("long.json", { id: "long", type: "exec", executor_config: { command: "sh", args: ["-c", `sleep 300 & echo "$$ $!" > ${pidFile}; wait`] } });
    const child = Bun.spawn([join(dir, "ubom"), "run", "--quiet", file], { cwd: dir, stdout: "pipe", stderr: "pipe" });
    for (let i = 0; i < 100 && !(await Bun.file(pidFile).exists()); i++) await Bun.sleep(20);
    child.kill("SIGTERM");
    const [stdout, exitCode] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    expect(exitCode).toBe(4);
    expect(JSON.parse(stdout)).toMatchObject({ status: "cancelled", error: { message: "work cancelled: ubom received SIGTERM" } });
    const pids = readFileSync(pidFile, "utf8").trim().split(" ").map(Number);
    expect(await stillRunningAfter(pids, 1_000)).toEqual([]);
  });

  test("a secret named by the work never reaches stdout or stderr", async () => {
    const file = write("secret.json", {
      id: "sec",
      type: "exec",
      executor_config: { command: "sh", args: ["-c", 'echo "token is $TOKEN"; echo "$TOKEN" >&2; exit 1'], env: { TOKEN: { env: "MY_TOKEN" } } },
    });
    const run = await ubom(dir, ["run", file], { env: { MY_TOKEN: "tk-super-secret-42" } });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("token is ********");
    expect(run.stdout + run.stderr).not.toContain("tk-super-secret-42");
  });
});

describe("the other commands", () => {
  test("validate prints the work with defaults and masked secrets, or every problem", async () => {
    const good = await ubom(dir, ["validate", write("v.json", { id: "v", type: "http", executor_config: { url: "https://x.test", auth: { type: "bearer", token: "literal-token-77" } } })]);
    expect(good.exitCode).toBe(0);
    expect(good.json()).toMatchObject({ valid: true, work: { executor_config: { method: "GET", follow_redirects: true, auth: { token: "********" } } } });
    expect(good.stdout).not.toContain("literal-token-77");
    const bad = await ubom(dir, ["validate", write("v2.json", { id: "v", type: "http", executor_config: { url: "x", method: "NOPE" }, timeout: "1 minute" })]);
    expect(bad.exitCode).toBe(2);
    const paths = bad.json().error.details.issues.map((issue: { path: string }) => issue.path).sort();
    expect(paths).toEqual(["executor_config.method", "executor_config.url", "timeout"]);
  });

  test("executors lists every type with its executor", async () => {
    const run = await ubom(dir, ["executors", "--json"]);
    expect(run.json().map((row: { type: string }) => row.type)).toEqual(["docker", "exec", "grpc", "http", "noop", "serverless", "thrower"]);
  });

  test("schema prints the same JSON Schema as schemas/", async () => {
    const run = await ubom(dir, ["schema", "exec"]);
    expect(run.stdout).toBe(readFileSync(join(import.meta.dir, "../../schemas/exec.schema.json"), "utf8"));
    expect((await ubom(dir, ["schema", "work"])).json().$id).toBe("https://ubom.dev/schemas/work.schema.json");
    expect((await ubom(dir, ["schema", "nope"])).exitCode).toBe(2);
  });

  test("plugins --health lists healthy plugins and exits 1 beside a broken one", async () => {
    const healthy = await ubom(dir, ["plugins", "--health", "--json"]);
    expect(healthy.exitCode).toBe(0);
    expect(healthy.json().plugins.map((p: { name: string; healthy: boolean }) => [p.name, p.healthy])).toEqual([
      ["exec", true],
      ["http", true],
      ["noop", true],
      ["thrower", true],
    ]);
    writeFileSync(join(dir, "plugins", "zz-broken.ts"), "export const nothing = 1;");
    try {
      const broken = await ubom(dir, ["plugins", "--health"]);
      expect(broken.exitCode).toBe(1);
      expect(broken.stdout).toContain("exports no NewPlugin function");
      // The broken file does not stop works of the healthy plugins.
      const run = await ubom(dir, ["run", write("noop2.json", { id: "n2", type: "noop", executor_config: {} })]);
      expect(run.exitCode).toBe(0);
    } finally {
      Bun.spawnSync(["rm", join(dir, "plugins", "zz-broken.ts")]);
    }
  });

  test("plugins check runs the conformance suite on a plugin file", async () => {
    const good = await ubom(dir, ["plugins", "check", "plugins/exec.ts", "--json"]);
    expect(good.exitCode).toBe(0);
    expect(good.json().checks.map((check: { status: string }) => check.status)).toEqual(Array(6).fill("passed"));
    const thrower = await ubom(dir, ["plugins", "check", "plugins/throws-in-execute.ts"]);
    expect(thrower.exitCode).toBe(0); // it lists no examples: the runtime checks are skipped, not failed
    expect(thrower.stdout).toContain("SKIPPED examples end as expected");
    writeFileSync(join(dir, "broken-plugin.ts"), "export function NewPlugin() { return 42; }");
    const broken = await ubom(dir, ["plugins", "check", "broken-plugin.ts"]);
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toContain("NewPlugin() returned something that is not a plugin");
  });

  test("plugin configs come from ubom.json and are validated", async () => {
    writeFileSync(join(dir, "guarded.json"), JSON.stringify({ plugins: { exec: { allowed_commands: ["true"] } } }));
    const refused = await ubom(dir, ["run", "--config", "guarded.json", write("e.json", { id: "e", type: "exec", executor_config: { command: "echo" } })]);
    expect(refused.exitCode).toBe(2);
    expect(refused.json().error.message).toContain("allowed_commands");
    writeFileSync(join(dir, "bad-config.json"), JSON.stringify({ plugins: { exec: { allowed_commands: "true" } } }));
    const bad = await ubom(dir, ["plugins", "--config", "bad-config.json", "--json"]);
    const exec = bad.json().plugins.find((p: { name: string }) => p.name === "exec");
    expect(exec).toMatchObject({ state: "failed" });
    expect(exec.error).toContain("plugins.exec.allowed_commands: expected array");
    const missing = await ubom(dir, ["executors", "--config", "nowhere.json"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("cannot read config file");
  });

  test("version names the build's commit, and every command has --help", async () => {
    const version = await ubom(dir, ["version", "--json"]);
    expect(version.json().commit).toMatch(/^[0-9a-f]{7,}(-dirty)?$/);
    for (const command of ["run", "validate", "executors", "schema", "plugins", "version"]) {
      const help = await ubom(dir, [command, "--help"]);
      expect(help.exitCode).toBe(0);
      expect(help.stdout).toContain(`Usage: ubom ${command}`);
    }
  });
});
