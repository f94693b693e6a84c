/** The compiled binary, built once per test file into a fresh folder with no node_modules. */
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp-dir.ts";

const ROOT = join(import.meta.dir, "../..");

/** Builds `ubom` into an empty temporary folder (with an empty plugins/ beside it) and returns the folder. */
export async function buildBinaryInFreshFolder(): Promise<string> {
  const dir = tempDir("ubom-bin-");
  const build = Bun.spawnSync(["bun", "run", join(ROOT, "build.ts"), "--binary-only", "--outfile", join(dir, "ubom")], { cwd: ROOT });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
  mkdirSync(join(dir, "plugins"));
  return dir;
}

/** Copies a plugin file of the repository into the folder's plugins/. */
export function installPlugin(dir: string, repoPath: string, as?: string): void {
  copyFileSync(join(ROOT, repoPath), join(dir, "plugins", as ?? repoPath.split("/").pop()!));
}

/** What one run of the binary did. */
export interface BinaryRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  json: () => any;
}

/** Runs the binary in `dir` (its working folder too) with a clean environment plus `env`. */
export async function ubom(dir: string, args: string[], options: { stdin?: string; env?: Record<string, string>; cwd?: string } = {}): Promise<BinaryRun> {
  const child = Bun.spawn([join(dir, "ubom"), ...args], {
    cwd: options.cwd ?? dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, ...options.env },
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout, stderr, json: () => JSON.parse(stdout) };
}
