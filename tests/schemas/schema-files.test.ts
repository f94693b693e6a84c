import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateSchemaFiles } from "../../src/engine/schema-files.ts";
import { PLUGINS_DIR } from "../helpers/first-party.ts";

const SCHEMAS_DIR = join(import.meta.dir, "../../schemas");

describe("schemas/", async () => {
  const expected = await generateSchemaFiles(PLUGINS_DIR);

  test("holds exactly one file per type, and the work's", () => {
    const present = readdirSync(SCHEMAS_DIR).filter((name) => name.endsWith(".schema.json")).sort();
    expect(present).toEqual([...expected.keys()].sort());
  });

  test.each([...expected.keys()])("%s is up to date (run `bun run schemas` when this fails)", (name) => {
    expect(readFileSync(join(SCHEMAS_DIR, name), "utf8")).toBe(expected.get(name)!);
  });

  test("every file has an $id, and the work schema checks each type's config by $ref", () => {
    const work = JSON.parse(expected.get("work.schema.json")!);
    for (const [name, text] of expected) expect(JSON.parse(text).$id).toBe(`https://ubom.dev/schemas/${name}`);
    expect(work.allOf.map((rule: { then: { properties: { executor_config: { $ref: string } } } }) => rule.then.properties.executor_config.$ref)).toEqual([
      "exec.schema.json",
      "http.schema.json",
    ]);
    expect(work.required).toEqual(["id", "type", "executor_config"]);
  });
});
