/** `ubom executors`: the work types this binary can run, and who runs them. */
import { COMMON_HELP, COMMON_OPTIONS, parseCommandArgs, printJson, runtimeFor, setUp, type Command } from "../cli-context.ts";
import { ExitCode } from "../exit-codes.ts";

export const executorsCommand: Command = {
  name: "executors",
  summary: "list the work types and the executors that run them",
  usage: `Usage: ubom executors [--json] [options]

      --json          print JSON instead of a table
${COMMON_HELP}`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { ...COMMON_OPTIONS, json: { type: "boolean" } });
    if (values.help) return (process.stdout.write(`${this.usage}\n`), ExitCode.OK);
    const runtime = await runtimeFor(setUp(values));
    try {
      const rows = runtime.registry.getTypes().map((type) => {
        const metadata = runtime.registry.getExecutor(type).getMetadata();
        return { type, executor: metadata.name, version: metadata.version, owner: runtime.registry.getOwner(type), description: metadata.description, capabilities: metadata.capabilities ?? {} };
      });
      if (values.json) printJson(rows);
      else if (!rows.length) process.stdout.write("no executors: no built-ins yet and no plugins loaded\n");
      else {
        for (const row of rows) {
          const capabilities = Object.entries(row.capabilities).filter(([, on]) => on === true).map(([name]) => name);
          process.stdout.write(`${row.type.padEnd(12)} ${row.executor} ${row.version}  ${row.owner}  [${capabilities.join(", ")}]\n`);
        }
      }
      return ExitCode.OK;
    } finally {
      await runtime.shutdown();
    }
  },
};
