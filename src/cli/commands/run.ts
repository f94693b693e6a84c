/** `ubom run <file|->`: run one work, print its WorkResult. */
import { WorkCancelledError } from "../../core/errors.ts";
import type { WorkResult } from "../../core/result.ts";
import { COMMON_HELP, COMMON_OPTIONS, parseCommandArgs, printJson, runtimeFor, setUp, UsageError, type Command } from "../cli-context.ts";
import { ExitCode } from "../exit-codes.ts";
import { readWorkDocument } from "../read-work.ts";

const INPUT_ERRORS = new Set(["validation_error", "executor_not_found", "input_error"]);

/** The exit code that tells a shell how the work ended. */
export function exitCodeFor(result: WorkResult): number {
  switch (result.status) {
    case "succeeded":
      return ExitCode.OK;
    case "timed_out":
      return ExitCode.TIMED_OUT;
    case "cancelled":
      return ExitCode.CANCELLED;
    default:
      return result.attempts === 0 && INPUT_ERRORS.has(result.error?.code ?? "") ? ExitCode.USAGE : ExitCode.FAILED;
  }
}

export const runCommand: Command = {
  name: "run",
  usage: `Usage: ubom run <file|-> [options]

Runs the work in <file> (or read from stdin with -) and prints its WorkResult as JSON on
stdout. Live log lines of the work and ubom's own JSON log lines go to stderr.
SIGINT or SIGTERM cancels the work.

  -q, --quiet         do not stream the work's log lines to stderr
${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { ...COMMON_OPTIONS, quiet: { type: "boolean", short: "q" } });
    if (values.help) return (process.stdout.write(`${this.usage}\n`), ExitCode.OK);
    if (positionals.length !== 1) throw new UsageError("run takes one work file, or - to read the work from stdin");
    const setup = setUp(values);
    const document = await readWorkDocument(positionals[0]!);
    // Orphaned containers are reaped when this run will itself talk to Docker; `ubom serve`
    // reaps at every start. Loading the Docker client for an exec work would double start-up.
    const runtime = await runtimeFor(setup, (document as { type?: unknown } | null)?.type === "docker");
    const controller = new AbortController();
    const cancel = (signal: NodeJS.Signals) => controller.abort(new WorkCancelledError(`ubom received ${signal}`));
    process.on("SIGINT", cancel);
    process.on("SIGTERM", cancel);
    try {
      const workId = (document as { id?: unknown } | null)?.id;
      const result = await runtime.engine.execute(document, {
        signal: controller.signal,
        onLog: values.quiet ? undefined : (line) => process.stderr.write(`${JSON.stringify({ ...line, work_id: workId })}\n`),
      });
      printJson(result);
      return exitCodeFor(result);
    } finally {
      process.off("SIGINT", cancel);
      process.off("SIGTERM", cancel);
      await runtime.shutdown();
    }
  },
};
