/** `ubom validate <file>`: check a work without running it. */
import { toUbomError } from "../../core/errors.ts";
import { maskSecrets } from "../../schemas/secrets.ts";
import { COMMON_HELP, COMMON_OPTIONS, parseCommandArgs, printJson, runtimeFor, setUp, UsageError, type Command } from "../cli-context.ts";
import { ExitCode } from "../exit-codes.ts";
import { readWorkDocument } from "../read-work.ts";

export const validateCommand: Command = {
  name: "validate",
  usage: `Usage: ubom validate <file|-> [options]

Prints {"valid": true, "work": …} with defaults applied and secrets masked, or
{"valid": false, "error": …} listing every problem with its path (exit code 2).

${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, COMMON_OPTIONS);
    if (values.help) return (process.stdout.write(`${this.usage}\n`), ExitCode.OK);
    if (positionals.length !== 1) throw new UsageError("validate takes one work file, or - for stdin");
    const setup = setUp(values);
    const document = await readWorkDocument(positionals[0]!);
    const runtime = await runtimeFor(setup);
    try {
      const work = runtime.registry.validateWork(document);
      const schema = runtime.registry.getExecutor(work.type).getSchema().config;
      printJson({ valid: true, work: { ...work, executor_config: maskSecrets(schema, work.executor_config) } });
      return ExitCode.OK;
    } catch (error) {
      const { code, message, details } = toUbomError(error).toResultError();
      printJson({ valid: false, error: { code, message, details } });
      return ExitCode.USAGE;
    } finally {
      await runtime.shutdown();
    }
  },
};
