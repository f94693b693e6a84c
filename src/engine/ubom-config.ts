/** The config file (`ubom.json` or `--config`): settings of the binary and of each plugin. */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { UbomError } from "../core/errors.ts";
import { CompiledSchema } from "../schemas/schema-validator.ts";

/** The config file's schema. */
export const UbomConfig = Type.Object(
  {
    plugins_dir: Type.Optional(Type.String({ description: "Folder of plugin files; --plugins-dir overrides it" })),
    log_level: Type.Optional(Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error"), Type.Literal("silent")])),
    server: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: "Settings of `ubom serve` (listen, data_dir, tokens, concurrency, …)" }),
    queue: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "The NATS JetStream cluster shared by API nodes and workers (url, auth, stream settings); absent: the embedded store" })),
    worker: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: "Settings of `ubom worker` (concurrency, types, admin_listen, shutdown_grace)" }),
    executors: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), {
      default: {},
      description: "Each built-in executor's config, keyed by work type (docker, …)",
    }),
    plugins: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), {
      default: {},
      description: "Each plugin's config, keyed by plugin name; validated against the plugin's config schema",
    }),
  },
  { additionalProperties: false },
);

/** The config file, validated. */
export type UbomConfig = Static<typeof UbomConfig>;

/** The name looked for in the working folder when no --config is given. */
export const DEFAULT_CONFIG_FILE = "ubom.json";

const compiled = new CompiledSchema<UbomConfig>(UbomConfig);

/** Parses and validates a config document; `source` names it in errors. */
export function parseUbomConfig(document: unknown, source: string): UbomConfig {
  return compiled.parse(document ?? {}, "", `invalid config file ${source}`);
}

/**
 * Reads the config file: `path` when given (it must exist), else `./ubom.json` when
 * present, else an empty config.
 */
export function loadUbomConfig(path?: string): { config: UbomConfig; file?: string } {
  const file = path ? resolve(path) : resolve(DEFAULT_CONFIG_FILE);
  if (!path && !existsSync(file)) return { config: parseUbomConfig({}, "(none)") };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UbomError(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`, { code: "config_error" });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UbomError(`config file ${file} is not valid JSON: ${(error as Error).message}`, { code: "config_error" });
  }
  return { config: parseUbomConfig(document, file), file };
}
