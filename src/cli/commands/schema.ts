/** `ubom schema <type>`: the JSON Schema of a type's executor_config, or of the work file. */
import { executorConfigJsonSchema, workJsonSchema } from "../../schemas/json-schema.ts";
import { COMMON_HELP, COMMON_OPTIONS, parseCommandArgs, printJson, runtimeFor, setUp, UsageError, type Command } from "../cli-context.ts";
import { ExitCode } from "../exit-codes.ts";

export const schemaCommand: Command = {
  name: "schema",
  usage: `Usage: ubom schema <type|work> [options]

${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, COMMON_OPTIONS);
    if (values.help) return (process.stdout.write(`${this.usage}\n`), ExitCode.OK);
    if (positionals.length !== 1) throw new UsageError("schema takes one work type, or `work` for the work file's schema");
    const runtime = await runtimeFor(setUp(values));
    try {
      const type = positionals[0]!;
      if (type === "work") printJson(workJsonSchema(runtime.registry.getTypes()));
      else printJson(executorConfigJsonSchema(type, runtime.registry.getExecutor(type).getSchema().config));
      return ExitCode.OK;
    } finally {
      await runtime.shutdown();
    }
  },
};
