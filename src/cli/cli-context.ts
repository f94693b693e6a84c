/** What every command shares: common options, the config file, the runtime. */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { ParseArgsConfig } from "node:util";
import type { Logger } from "../core/context.ts";
import { createJsonLogger, isLogLevel, type LogLevel } from "../engine/json-logger.ts";
import { createRuntime, type Runtime } from "../engine/runtime.ts";
import { loadUbomConfig, type UbomConfig } from "../engine/ubom-config.ts";

export { parseCommandArgs, printJson, UsageError, type Command } from "./command.ts";
import { UsageError } from "./command.ts";

/** Options every command that loads plugins accepts. */
export const COMMON_OPTIONS = {
  "plugins-dir": { type: "string" },
  config: { type: "string" },
  "log-level": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

/** Help text of the common options. */
export const COMMON_HELP = `Options:
  --plugins-dir DIR   plugin folder (default: plugins/ beside the binary, else ./plugins)
  --config FILE       config file (default: ./ubom.json when present)
  --log-level LEVEL   debug, info, warn, error or silent (default: info; env UBOM_LOG_LEVEL)
  -h, --help          this help`;

/** The plugin folder: beside the compiled binary when there is one, else ./plugins. */
export function defaultPluginsDir(): string {
  const besideBinary = join(dirname(process.execPath), "plugins");
  const isCompiled = !/^bun(\.exe)?$/.test(process.execPath.split(/[\\/]/).pop() ?? "");
  return isCompiled && existsSync(besideBinary) ? besideBinary : resolve("plugins");
}

/** Values of the common options. */
export interface CommonValues {
  "plugins-dir"?: string;
  config?: string;
  "log-level"?: string;
}

/** The config file, logger and plugin folder a command runs with. */
export interface CliSetup {
  config: UbomConfig;
  logger: Logger;
  logLevel: LogLevel;
  pluginsDir: string;
}

/** Reads the config file and settles the logger and plugin folder, flags first. */
export function setUp(values: CommonValues): CliSetup {
  const { config } = loadUbomConfig(values.config);
  const level = values["log-level"] ?? process.env.UBOM_LOG_LEVEL ?? config.log_level ?? "info";
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be debug, info, warn, error or silent: got ${JSON.stringify(level)}`);
  return {
    config,
    logger: createJsonLogger({ level: level as LogLevel }),
    logLevel: level as LogLevel,
    pluginsDir: values["plugins-dir"] ?? config.plugins_dir ?? defaultPluginsDir(),
  };
}

/** Builds the runtime a command works with; `runsWorks` starts background duties such as orphan reaping. */
export function runtimeFor(setup: CliSetup, runsWorks = false): Promise<Runtime> {
  return createRuntime({ pluginsDir: setup.pluginsDir, config: setup.config, logger: setup.logger, startBackground: runsWorks });
}

