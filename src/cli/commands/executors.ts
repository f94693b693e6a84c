/** `ubom executors`: the work types this binary can run, who runs them, and (--health) how they are. */
import type { HealthAttributes } from "../../executors/managed-executor.ts";
import { isExternalWorkPlugin } from "../../plugins/external-work-plugin.ts";
import { COMMON_HELP, COMMON_OPTIONS, parseCommandArgs, printJson, runtimeFor, setUp, type Command } from "../cli-context.ts";
import { ExitCode } from "../exit-codes.ts";

const HEALTH_TIMEOUT_MS = 10_000;

/** Runs a health check with a deadline: `{ healthy, attributes }` or `{ healthy: false, reason }`. */
export async function checkHealth(check: () => Promise<HealthAttributes | void>): Promise<{ healthy: boolean; attributes?: HealthAttributes; reason?: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS / 1000}s`)), HEALTH_TIMEOUT_MS);
  });
  try {
    const attributes = await Promise.race([check(), expired]);
    return { healthy: true, ...(attributes ? { attributes } : {}) };
  } catch (error) {
    return { healthy: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export const executorsCommand: Command = {
  name: "executors",
  usage: `Usage: ubom executors [--health] [--json] [options]

      --health        check each executor (e.g. ping the Docker daemon); exit 1 when any is unhealthy
      --json          print JSON instead of a table
${COMMON_HELP}`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { ...COMMON_OPTIONS, json: { type: "boolean" }, health: { type: "boolean" } });
    if (values.help) return (process.stdout.write(`${this.usage}\n`), ExitCode.OK);
    const runtime = await runtimeFor(setUp(values));
    try {
      const rows = [];
      for (const type of runtime.registry.getTypes()) {
        const executor = runtime.registry.getExecutor(type);
        const metadata = executor.getMetadata();
        const builtin = runtime.builtins.find((candidate) => candidate === executor);
        const check = builtin ? () => builtin.healthCheck() : isExternalWorkPlugin(executor) ? () => executor.healthCheck() : undefined;
        rows.push({
          type,
          executor: metadata.name,
          version: metadata.version,
          owner: runtime.registry.getOwner(type),
          description: metadata.description,
          capabilities: metadata.capabilities ?? {},
          ...(values.health && check ? { health: await checkHealth(check) } : {}),
        });
      }
      if (values.json) printJson(rows);
      else {
        for (const row of rows) {
          const capabilities = Object.entries(row.capabilities).filter(([, on]) => on === true).map(([name]) => name);
          const health = !row.health ? "" : row.health.healthy ? `  healthy ${JSON.stringify(row.health.attributes ?? {})}` : `  UNHEALTHY: ${row.health.reason}`;
          process.stdout.write(`${row.type.padEnd(12)} ${row.executor} ${row.version}  ${row.owner}  [${capabilities.join(", ")}]${health}\n`);
        }
      }
      return rows.some((row) => row.health && !row.health.healthy) ? ExitCode.FAILED : ExitCode.OK;
    } finally {
      await runtime.shutdown();
    }
  },
};
