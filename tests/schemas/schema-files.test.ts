import { describe, expect, test } from "bun:test";
import Ajv from "ajv";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateSchemaFiles } from "../../src/cli/schema-files.ts";
import { PLUGINS_DIR } from "../helpers/first-party.ts";

const SCHEMAS_DIR = join(import.meta.dir, "../../schemas");

describe("schemas/", async () => {
  const expected = await generateSchemaFiles(PLUGINS_DIR);

  test("holds exactly one file per type, the work's and the config file's", () => {
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
      "docker.schema.json",
      "exec.schema.json",
      "grpc.schema.json",
      "http.schema.json",
      "serverless.schema.json",
    ]);
    expect(work.required).toEqual(["id", "type", "executor_config"]);
  });
});

describe("schemas/ with an independent JSON Schema validator (ajv), as an editor would use them", () => {
  const ajv = new Ajv({ allErrors: true, strict: true });
  // ubom's own annotations: documented keywords, not typos.
  ajv.addKeyword({ keyword: "expectation", schemaType: "string" });
  ajv.addKeyword({ keyword: "secret", schemaType: "boolean" });
  ajv.addKeyword({ keyword: "secret_refs", schemaType: "boolean" });
  ajv.addKeyword({ keyword: "discriminated_by", schemaType: "string" });
  const files = readdirSync(SCHEMAS_DIR).filter((name) => name.endsWith(".schema.json"));
  for (const name of files) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS_DIR, name), "utf8")));
  const validateWork = ajv.getSchema("https://ubom.dev/schemas/work.schema.json")!;
  const examples = join(import.meta.dir, "../../examples");

  const exampleFiles = (readdirSync(examples, { recursive: true }) as string[]).filter((name) => name.endsWith(".json"));
  test.each(exampleFiles)("examples/%s is valid", (name) => {
    const valid = validateWork(JSON.parse(readFileSync(join(examples, name), "utf8")));
    expect(validateWork.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test("a work with a bad executor_config is invalid, at the field's path", () => {
    expect(validateWork({ id: "x", type: "exec", executor_config: { command: "ls", args: "-l" } })).toBe(false);
    expect(validateWork.errors?.map((error) => error.instancePath)).toContain("/executor_config/args");
    expect(validateWork({ id: "x", type: "http", executor_config: { url: "https://x.test", timeout: "soon" } })).toBe(false);
    expect(validateWork.errors?.map((error) => error.instancePath)).toContain("/executor_config/timeout");
  });

  const validateConfig = ajv.getSchema("https://ubom.dev/schemas/ubom-config.schema.json")!;
  // Blocks that are whole JSON documents; README also shows fragments.
  const jsonBlocks = (file: string) =>
    [...readFileSync(join(import.meta.dir, "../..", file), "utf8").matchAll(/```json\n([\s\S]*?)```/g)].flatMap((match) => {
      try {
        return [JSON.parse(match[1]!)];
      } catch {
        return [];
      }
    });

  test.each(["README.md", "docs/cluster.md"])("the config file examples of %s are valid", (file) => {
    const configs = jsonBlocks(file).filter((block) => block.server || block.queue || block.executors);
    expect(configs.length).toBeGreaterThan(0);
    for (const config of configs) {
      const valid = validateConfig(config);
      expect(validateConfig.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    }
  });

  test("a config file with a bad queue or worker setting is invalid, at the field's path", () => {
    expect(validateConfig({ queue: { url: "http://nats.test:4222" }, worker: { concurrency: { global: 0 } } })).toBe(false);
    expect(validateConfig.errors?.map((error) => error.instancePath)).toEqual(expect.arrayContaining(["/queue/url", "/worker/concurrency/global"]));
  });
});
