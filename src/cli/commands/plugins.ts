/** `ubom plugins`: list plugins, check their health, or run the conformance suite on a file. */
import { resolve } from "node:path";
import { PluginError } from "../../core/errors.ts";
import { runConformance } from "../../conformance/conformance.ts";
import { DefaultPluginLoader } from "../../plugins/default-plugin-loader.ts";
import { COMMON_HELP, COMMON_OPTIONS, parseCommandArgs, printJson, runtimeFor, setUp, UsageError, type CliSetup, type Command } from "../cli-context.ts";
import { ExitCode } from "../exit-codes.ts";
import { checkHealth } from "./executors.ts";

async function list(setup: CliSetup, withHealth: boolean, json: boolean): Promise<number> {
  const runtime = await runtimeFor(setup);
  try {
    const rows = [];
    for (const entry of runtime.loader.listPlugins()) {
      const plugin = entry.state === "initialized" ? runtime.loader.getPlugin(entry.name) : undefined;
      const health = withHealth && plugin ? await checkHealth(() => plugin.healthCheck()) : undefined;
      rows.push({
        name: entry.name,
        version: entry.info?.version,
        state: entry.state,
        file: entry.file,
        types: plugin?.getSupportedTypes() ?? [],
        ...(health ? { healthy: health.healthy, ...(health.reason ? { health_error: health.reason } : {}) } : {}),
        ...(entry.error ? { error: entry.error.message } : {}),
      });
    }
    // Files that never became a named plugin (syntax errors, no NewPlugin) still deserve a row.
    const named = new Set(rows.map((row) => row.name));
    for (const error of runtime.pluginErrors.filter((e) => !named.has(e.pluginName))) {
      rows.push({ name: error.pluginName, version: undefined, state: "failed", file: error.file, types: [], error: error.message });
    }
    if (json) printJson({ plugins_dir: setup.pluginsDir, plugins: rows });
    else {
      process.stdout.write(`plugins in ${setup.pluginsDir}\n`);
      for (const row of rows) {
        const healthNote = "healthy" in row ? (row.healthy ? " healthy" : ` UNHEALTHY: ${row.health_error}`) : "";
        process.stdout.write(`${row.name.padEnd(12)} ${(row.version ?? "-").padEnd(8)} ${row.state}${healthNote}  ${row.types.join(", ")}  ${row.file ?? ""}\n`);
        if (row.error) process.stdout.write(`             ${row.error}\n`);
      }
    }
    const bad = rows.some((row) => row.state === "failed" || ("healthy" in row && !row.healthy));
    return withHealth && bad ? ExitCode.FAILED : ExitCode.OK;
  } finally {
    await runtime.shutdown();
  }
}

async function check(setup: CliSetup, file: string, json: boolean): Promise<number> {
  const loader = new DefaultPluginLoader(setup.logger);
  let name: string;
  try {
    name = await loader.loadFile(resolve(file));
    const plugin = await loader.initializePlugin(name, setup.config.plugins[name] ?? {});
    const outcomes = await runConformance(plugin);
    if (json) printJson({ plugin: name, file, checks: outcomes });
    else {
      process.stdout.write(`conformance of plugin ${name} (${file})\n`);
      for (const outcome of outcomes) {
        process.stdout.write(`  ${outcome.status.toUpperCase().padEnd(7)} ${outcome.name}${outcome.message ? `: ${outcome.message}` : ""}\n`);
      }
    }
    return outcomes.some((outcome) => outcome.status === "failed") ? ExitCode.FAILED : ExitCode.OK;
  } catch (error) {
    if (!(error instanceof PluginError)) throw error;
    if (json) printJson({ file, error: { code: error.code, message: error.message, details: error.details } });
    else process.stdout.write(`FAILED  ${error.message}\n`);
    return ExitCode.FAILED;
  } finally {
    await loader.shutdownAll();
  }
}

export const pluginsCommand: Command = {
  name: "plugins",
  usage: `Usage: ubom plugins [--health] [--json] [options]
       ubom plugins check <file> [--json] [options]

Lists the plugins of the plugin folder with their state, types and load errors.
--health also calls each plugin's healthCheck() and exits 1 when any is broken or unhealthy.
check loads one plugin file and runs the conformance suite every executor passes
(bad configs rejected with paths, schema exported, example works complete, cancel and
timeout honoured); exits 1 when a check fails.

      --health        call healthCheck() on each plugin
      --json          print JSON instead of text
${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { ...COMMON_OPTIONS, health: { type: "boolean" }, json: { type: "boolean" } });
    if (values.help) return (process.stdout.write(`${this.usage}\n`), ExitCode.OK);
    const setup = setUp(values);
    if (positionals.length === 0) return list(setup, values.health === true, values.json === true);
    if (positionals[0] === "check" && positionals.length === 2) return check(setup, positionals[1]!, values.json === true);
    throw new UsageError(`unexpected arguments: ${positionals.join(" ")}`);
  },
};
