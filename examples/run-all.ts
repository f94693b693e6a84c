/**
 * Runs every example work through the compiled binary, as a user would:
 * `bun run examples` (after `bun run build`, which that script does first).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const binary = join(root, "dist/ubom");
let failures = 0;
for (const file of readdirSync(import.meta.dir).filter((name) => name.endsWith(".json")).sort()) {
  const run = Bun.spawnSync([binary, "run", "--quiet", "--log-level", "warn", join(import.meta.dir, file)], { cwd: root });
  const result = JSON.parse(run.stdout.toString() || "{}");
  const ok = run.exitCode === 0 && result.status === "succeeded";
  if (!ok) failures += 1;
  console.log(`${ok ? "ok  " : "FAIL"} ${file.padEnd(22)} ${result.status ?? "no result"} in ${result.duration_ms ?? "?"}ms: ${JSON.stringify(result.output ?? result.error)}`);
}
process.exit(failures ? 1 : 0);
