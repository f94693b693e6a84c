/**
 * Median start-up of the compiled binary over 10 runs each, against `bun -e 0` in the
 * same run: `ubom version`, and `ubom run` of a work on a no-op plugin.
 *   bun run bench/startup.ts   (builds dist/ubom first when it is missing)
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, report } from "./report.ts";

const ROOT = join(import.meta.dir, "..");
const RUNS = 10;
const binary = join(ROOT, "dist/ubom");
if (!existsSync(binary)) Bun.spawnSync(["bun", "run", "build.ts", "--binary-only"], { cwd: ROOT, stdout: "inherit", stderr: "inherit" });

// A fresh folder holding only the binary's plugins: the no-op one.
const dir = mkdtempSync(join(tmpdir(), "ubom-bench-"));
mkdirSync(join(dir, "plugins"));
copyFileSync(join(ROOT, "tests/fixtures/plugins/noop.ts"), join(dir, "plugins/noop.ts"));
const workFile = join(dir, "noop.json");
writeFileSync(workFile, JSON.stringify({ id: "bench", type: "noop", executor_config: {} }));

function medianMs(cmd: string[]): number {
  const times: number[] = [];
  Bun.spawnSync(cmd, { cwd: dir }); // warm the page cache
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const run = Bun.spawnSync(cmd, { cwd: dir });
    times.push(performance.now() - started);
    if (run.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${run.exitCode}: ${run.stderr.toString()}`);
  }
  return median(times);
}

try {
  const baseline = medianMs(["bun", "-e", "0"]);
  report({ bench: "startup", metric: "ubom_version_median_ms", value: medianMs([binary, "version"]), unit: "ms", baseline }, false);
  report({ bench: "startup", metric: "ubom_run_noop_plugin_median_ms", value: medianMs([binary, "run", "--quiet", "--plugins-dir", join(dir, "plugins"), workFile]), unit: "ms", baseline }, false);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
