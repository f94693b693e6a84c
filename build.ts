/**
 * Builds ubom.
 *   bun run build                 schemas/ and dist/ubom for this machine
 *   bun run build --all           also dist/ubom-linux-arm64, -linux-x64-musl, -darwin-arm64
 *   bun run build --schemas-only  only schemas/
 *   bun run build --binary-only [--outfile PATH]   only the binary (tests build into a temp folder)
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { $ } from "bun";
import { generateSchemaFiles } from "./src/cli/schema-files.ts";

const ROOT = import.meta.dir;
const CROSS_TARGETS = ["bun-linux-arm64", "bun-linux-x64-musl", "bun-darwin-arm64"];

async function writeSchemas(): Promise<void> {
  const files = await generateSchemaFiles(join(ROOT, "plugins"));
  const dir = join(ROOT, "schemas");
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) if (name.endsWith(".schema.json") && !files.has(name)) await rm(join(dir, name));
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  console.log(`schemas/: ${[...files.keys()].join(", ")}`);
}

async function commit(): Promise<string> {
  const sha = (await $`git -C ${ROOT} rev-parse --short HEAD`.nothrow().quiet().text()).trim();
  if (!sha) return "unknown";
  const dirty = (await $`git -C ${ROOT} status --porcelain --untracked-files=no`.nothrow().quiet().text()).trim();
  return dirty ? `${sha}-dirty` : sha;
}

async function compile(target: string | undefined, outfile: string, sha: string): Promise<void> {
  const targetFlag = target ? [`--target=${target}`] : [];
  // Bytecode cuts start-up by about half (bench/startup.ts). Whitespace and syntax
  // minification only: renaming identifiers would rename the error classes users see.
  await $`bun build ${join(ROOT, "src/cli/main.ts")} --compile ${targetFlag} --bytecode --minify-whitespace --minify-syntax --define UBOM_BUILD_COMMIT=${JSON.stringify(sha)} --outfile ${outfile}`.quiet();
  console.log(`built ${outfile}${target ? ` (${target})` : ""}`);
}

const argv = process.argv.slice(2);
const args = new Set(argv);
const outfileAt = argv.indexOf("--outfile");
const outfile = outfileAt >= 0 && argv[outfileAt + 1] ? argv[outfileAt + 1]! : join(ROOT, "dist/ubom");
if (!args.has("--binary-only")) await writeSchemas();
if (!args.has("--schemas-only")) {
  const sha = await commit();
  await compile(undefined, outfile, sha);
  if (args.has("--all")) {
    for (const target of CROSS_TARGETS) await compile(target, join(ROOT, `dist/ubom-${target.replace(/^bun-/, "")}`), sha);
  }
}
