#!/usr/bin/env bun
/** The `ubom` binary: dispatches to one command and turns every error into a clear message and exit code. */
import { toUbomError, ValidationError } from "../core/errors.ts";
import { UsageError, type Command } from "./command.ts";
import { ExitCode } from "./exit-codes.ts";

/** The commands, loaded on demand: `ubom version` need not load an HTTP server or the Docker client. */
const COMMANDS: { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: "run", summary: "run one work and print its WorkResult as JSON", load: async () => (await import("./commands/run.ts")).runCommand },
  { name: "serve", summary: "run the HTTP API over the embedded store (or a NATS queue) until SIGTERM or SIGINT", load: async () => (await import("./commands/serve.ts")).serveCommand },
  { name: "worker", summary: "run works from a NATS JetStream queue shared with `serve --queue` API nodes", load: async () => (await import("./commands/worker.ts")).workerCommand },
  { name: "validate", summary: "check a work file against its executor's schema without running it", load: async () => (await import("./commands/validate.ts")).validateCommand },
  { name: "executors", summary: "list the work types and the executors that run them (--health checks them)", load: async () => (await import("./commands/executors.ts")).executorsCommand },
  { name: "schema", summary: "print the JSON Schema of a work type's executor_config (or of a work: `ubom schema work`)", load: async () => (await import("./commands/schema.ts")).schemaCommand },
  { name: "plugins", summary: "list plugins (--health checks them); `plugins check <file>` runs the conformance suite", load: async () => (await import("./commands/plugins.ts")).pluginsCommand },
  { name: "version", summary: "print the version of ubom", load: async () => (await import("./commands/version.ts")).versionCommand },
];

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
  const entry = COMMANDS.find((candidate) => candidate.name === (name === "--version" ? "version" : name));
  if (!entry) {
    process.stderr.write(`ubom: unknown command ${JSON.stringify(name)}\n\n${usage()}\n`);
    return ExitCode.USAGE;
  }
  const command = await entry.load();
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
