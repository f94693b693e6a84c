#!/usr/bin/env bun
/** The `ubom` binary: dispatches to one command and turns every error into a clear message and exit code. */
import { toUbomError, ValidationError } from "../core/errors.ts";
import { UsageError, type Command } from "./cli-context.ts";
import { executorsCommand } from "./commands/executors.ts";
import { pluginsCommand } from "./commands/plugins.ts";
import { runCommand } from "./commands/run.ts";
import { schemaCommand } from "./commands/schema.ts";
import { serveCommand } from "./commands/serve.ts";
import { validateCommand } from "./commands/validate.ts";
import { versionCommand } from "./commands/version.ts";
import { ExitCode } from "./exit-codes.ts";

const COMMANDS: Command[] = [runCommand, serveCommand, validateCommand, executorsCommand, schemaCommand, pluginsCommand, versionCommand];

const USAGE_ERROR_CODES = new Set(["usage_error", "validation_error", "executor_not_found", "input_error", "config_error"]);

function usage(): string {
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`);
  return `ubom: the pluggable work executor of the UBOM Workflow Engine

Usage: ubom <command> [options]

Commands:
${lines.join("\n")}

Run \`ubom <command> --help\` for a command's options.`;
}

/** Runs the binary with `argv` (without the program name) and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  if (name === "--version") return versionCommand.run([]);
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`ubom: unknown command ${JSON.stringify(name)}\n\n${usage()}\n`);
    return ExitCode.USAGE;
  }
  try {
    return await command.run(rest);
  } catch (thrown) {
    const error = toUbomError(thrown);
    if (USAGE_ERROR_CODES.has(error.code)) {
      const detail = error instanceof ValidationError ? `\n${error.issues.map((issue) => `  ${issue.path || "(root)"}: ${issue.message}`).join("\n")}` : "";
      const message = error instanceof ValidationError ? error.message.split(":")[0] : error.message;
      process.stderr.write(`ubom ${command.name}: ${message}${detail}\n`);
      if (thrown instanceof UsageError) process.stderr.write(`\n${command.usage}\n`);
      return ExitCode.USAGE;
    }
    process.stderr.write(`ubom ${command.name}: internal error: ${error.message}\n`);
    if (process.env.UBOM_DEBUG) process.stderr.write(`${(thrown as Error)?.stack ?? ""}\n`);
    return ExitCode.INTERNAL;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
