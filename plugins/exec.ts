/**
 * The `exec` plugin: runs a local command in its own process group, feeds it the work's
 * input on stdin, captures stdout, stderr and the exit code, and on timeout or cancel
 * stops the whole group: SIGTERM, then SIGKILL after `stop_grace`.
 */
import { BasePlugin, Duration, OutputCollector, parseDuration, SecretOrString, Type, UbomError, ValidationError, workFailed, workSucceeded } from "@ubom/sdk";
import type { ExecutionContext, Static, Work, WorkResult } from "@ubom/sdk";

const VERSION = "1.0.0";

/** The `executor_config` of an exec work. */
export const ExecConfig = Type.Object(
  {
    command: Type.String({ minLength: 1, description: "Program to run, found on PATH when it has no slash" }),
    args: Type.Array(Type.String(), { default: [] }),
    env: Type.Optional(Type.Record(Type.String(), SecretOrString(), { description: 'Environment; a value may name a secret ({"env": "NAME"})' })),
    inherit_env: Type.Boolean({ default: true, description: "Start from ubom's own environment" }),
    cwd: Type.Optional(Type.String({ description: "Working folder" })),
    stdin: Type.Boolean({ default: true, description: "Write the work's input to stdin: a string as is, anything else as JSON" }),
    output: Type.Union([Type.Literal("text"), Type.Literal("json")], { default: "text", description: "json: stdout is parsed as JSON" }),
    success_exit_codes: Type.Array(Type.Integer(), { default: [0], minItems: 1 }),
    retryable_exit_codes: Type.Array(Type.Integer(), { default: [], description: "Failing exit codes worth retrying" }),
    stop_grace: Duration({ default: "5s", description: "Between SIGTERM and SIGKILL when the work is stopped" }),
    max_output_bytes: Type.Integer({ minimum: 0, default: 1024 * 1024, description: "Kept per stream; the rest is dropped and flagged" }),
  },
  { additionalProperties: false },
);
export type ExecConfig = Static<typeof ExecConfig>;

/** The plugin's own config, from the `exec` section of ubom.json. */
export const ExecPluginConfig = Type.Object(
  {
    allowed_commands: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: "When set, only these commands may run; an operator's guard for shared servers" }),
    ),
  },
  { additionalProperties: false },
);

function stdinPayload(work: Work, config: ExecConfig): string | undefined {
  if (!config.stdin || work.input === undefined) return undefined;
  return typeof work.input === "string" ? work.input : JSON.stringify(work.input);
}

class ExecPlugin extends BasePlugin {
  constructor() {
    super(
      { name: "exec", version: VERSION, description: "Runs a local command", author: "ubom" },
      {
        name: "exec",
        version: VERSION,
        description: "Runs a command in its own process group; stdout, stderr and the exit code are the output",
        supported_types: ["exec"],
        capabilities: { cancellable: true, streams_logs: true, kills_process_group: true },
        examples: [
          { name: "echo", executor_config: { command: "echo", args: ["hello from ubom"] } },
          { name: "json from stdin", executor_config: { command: "cat", output: "json" }, input: { n: 42 } },
          { name: "non-zero exit", executor_config: { command: "sh", args: ["-c", "exit 3"] }, expect: "failed" },
          { name: "runs until stopped", executor_config: { command: "sleep", args: ["600"], stop_grace: "1s" }, runs_until_stopped: true },
        ],
      },
      { config: ExecConfig },
      { configSchema: ExecPluginConfig },
    );
  }

  override validate(work: Work): void {
    super.validate(work);
    const allowed = this.config.allowed_commands as string[] | undefined;
    const command = (work.executor_config as ExecConfig).command;
    if (allowed && !allowed.includes(command)) {
      const message = `must be one of the exec plugin's allowed_commands (${allowed.join(", ")}): got ${JSON.stringify(command)}`;
      throw new ValidationError([{ path: "executor_config.command", message }]);
    }
  }

  async execute(ctx: ExecutionContext, work: Work): Promise<WorkResult> {
    const config = work.executor_config as ExecConfig;
    const env = { ...(config.inherit_env ? process.env : {}), ...(config.env as Record<string, string> | undefined) };
    const input = stdinPayload(work, config);
    let child: Bun.Subprocess<"pipe", "pipe", "pipe">;
    try {
      child = Bun.spawn({
        cmd: [config.command, ...config.args],
        cwd: config.cwd,
        env,
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
        // Its own process group (setsid), so a stop reaches every process it started.
        detached: true,
      });
    } catch (error) {
      throw new UbomError(`cannot start ${config.command}: ${(error as Error).message}`, {
        code: "exec.spawn_failed",
        details: { command: config.command },
        cause: error,
      });
    }
    ctx.logger.debug("exec.started", { pid: child.pid, command: config.command });

    let stopReason: string | undefined;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    const stop = () => {
      stopReason = "SIGTERM";
      signalGroup("SIGTERM");
      killTimer = setTimeout(() => {
        stopReason = "SIGKILL";
        signalGroup("SIGKILL");
      }, parseDuration(config.stop_grace, "executor_config.stop_grace"));
    };
    if (ctx.signal.aborted) stop();
    else ctx.signal.addEventListener("abort", stop, { once: true });

    const stdout = new OutputCollector("stdout", config.max_output_bytes, ctx.log);
    const stderr = new OutputCollector("stderr", config.max_output_bytes, ctx.log);
    const writeInput = async () => {
      try {
        if (input !== undefined) child.stdin.write(input);
        await child.stdin.end();
      } catch {
        // The command may exit without reading its input; that is its business.
      }
    };
    const [exitCode] = await Promise.all([child.exited, stdout.drain(child.stdout), stderr.drain(child.stderr), writeInput()]);
    clearTimeout(killTimer);
    ctx.signal.removeEventListener("abort", stop);
    // Children that outlived the leader would keep running unseen.
    if (stopReason) signalGroup("SIGKILL");

    const metadata = { pid: child.pid, exit_code: exitCode, signal: child.signalCode ?? undefined, stopped_with: stopReason, stdout_truncated: stdout.truncated, stderr_truncated: stderr.truncated };
    const output: Record<string, unknown> = { exit_code: exitCode, stdout: stdout.text, stderr: stderr.text };
    if (ctx.signal.aborted) return workFailed(work, { code: "exec.stopped", message: `stopped with ${stopReason}`, retryable: false }, { output, metadata });
    if (!config.success_exit_codes.includes(exitCode)) {
      const how = child.signalCode ? `was killed by ${child.signalCode}` : `exited with code ${exitCode}`;
      return workFailed(
        work,
        { code: "exec.exit_code", message: `${config.command} ${how}`, retryable: config.retryable_exit_codes.includes(exitCode), details: { exit_code: exitCode } },
        { output, metadata },
      );
    }
    if (config.output === "json") {
      try {
        output.stdout = JSON.parse(stdout.text);
      } catch (error) {
        const at = stdout.text.trim().slice(0, 40);
        return workFailed(
          work,
          { code: "exec.invalid_json", message: `stdout is not JSON (${(error as Error).message}); it starts with ${JSON.stringify(at)}`, retryable: false },
          { output, metadata },
        );
      }
    }
    return workSucceeded(work, output, { metadata });
  }
}

/** The plugin's entry point, called once by the loader. */
export function NewPlugin(): ExecPlugin {
  return new ExecPlugin();
}
