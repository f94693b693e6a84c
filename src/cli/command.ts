/**
 * What a command is, kept apart from cli-context so that the entry point can list the
 * commands without loading what they need (the HTTP server, the executors).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UbomError } from "../core/errors.ts";

/** A command of the binary. */
export interface Command {
  name: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** Raised for bad usage; main prints it with the command's usage and exits 2. */
export class UsageError extends UbomError {
  constructor(message: string) {
    super(message, { code: "usage_error" });
  }
}


/** parseArgs with errors turned into UsageErrors. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Prints a value as indented JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
