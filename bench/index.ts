/**
 * Runs every benchmark (`bun run bench`) or the named ones (`bun run bench dispatch`).
 * Each prints JSON lines: {"bench","metric","value","unit","baseline","ratio"}.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const HELPERS = new Set(["index.ts", "report.ts"]);
const wanted = process.argv.slice(2);
const benches = readdirSync(import.meta.dir)
  .filter((name) => name.endsWith(".ts") && !HELPERS.has(name))
  .map((name) => name.replace(/\.ts$/, ""))
  .filter((name) => wanted.length === 0 || wanted.includes(name));

let failed = false;
for (const bench of benches) {
  const run = Bun.spawnSync(["bun", "run", join(import.meta.dir, `${bench}.ts`)], { stdout: "inherit", stderr: "inherit" });
  failed ||= run.exitCode !== 0;
}
process.exit(failed ? 1 : 0);
