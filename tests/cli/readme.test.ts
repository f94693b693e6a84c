/** Keeps the README true: its plugin example passes the conformance suite through the binary. */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildBinaryInFreshFolder, ubom } from "../helpers/binary.ts";

const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");

describe("README", async () => {
  const dir = await buildBinaryInFreshFolder();
  const example = readme.match(/Save this as `plugins\/greet.ts`:\n\n```ts\n([\s\S]*?)```/)?.[1];
  writeFileSync(join(dir, "plugins", "greet.ts"), example ?? "");

  test("the plugin example passes `ubom plugins check`", async () => {
    expect(example).toContain("export function NewPlugin()");
    const check = await ubom(dir, ["plugins", "check", "plugins/greet.ts", "--json"]);
    expect(check.json().checks.map((c: { name: string; status: string }) => `${c.name}: ${c.status}`)).toEqual([
      "metadata describes the executor: passed",
      "schema exports as JSON Schema: passed",
      "bad config is rejected with paths: passed",
      "examples end as expected with complete results: passed",
      "cancel ends the work as cancelled: passed",
      "timeout ends the work as timed_out: passed",
    ]);
    expect(check.exitCode).toBe(0);
  });

  test("the plugin example runs a work, its secret named by an environment variable", async () => {
    writeFileSync(join(dir, "greet.json"), JSON.stringify({ id: "g", type: "greet", executor_config: { name: "ada", shout: true, api_key: { env: "GREET_KEY" } } }));
    const run = await ubom(dir, ["run", "greet.json"], { env: { GREET_KEY: "greet-key-123" } });
    expect(run.exitCode).toBe(0);
    expect(run.json().output).toBe("HELLO, ADA");
  });

  test("every exit code the README documents is one the binary uses", () => {
    const documented = [...readme.matchAll(/^\| (\d+) \|/gm)].map((match) => Number(match[1]));
    const source = readFileSync(join(import.meta.dir, "../../src/cli/exit-codes.ts"), "utf8");
    const defined = [...source.matchAll(/: (\d+),/g)].map((match) => Number(match[1]));
    expect(documented.sort()).toEqual(defined.sort());
  });
});
