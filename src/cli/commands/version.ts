/** `ubom version`. */
import { COMMIT, VERSION } from "../../version.ts";
import { parseCommandArgs, printJson, type Command } from "../command.ts";
import { ExitCode } from "../exit-codes.ts";

export const versionCommand: Command = {
  name: "version",
  usage: `Usage: ubom version [--json]`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: "boolean" }, help: { type: "boolean", short: "h" } });
    if (values.help) return (process.stdout.write(`${this.usage}\n`), ExitCode.OK);
    const facts = { version: VERSION, commit: COMMIT, bun: Bun.version, platform: `${process.platform}-${process.arch}` };
    if (values.json) printJson(facts);
    else process.stdout.write(`ubom ${facts.version} (commit ${facts.commit}, bun ${facts.bun}, ${facts.platform})\n`);
    return ExitCode.OK;
  },
};
