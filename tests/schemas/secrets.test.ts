import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { ValidationError } from "../../src/core/index.ts";
import { MASK, maskSecrets, Redactor, resolveSecrets, Secret, SecretOrString } from "../../src/schemas/index.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const Config = Type.Object({
  user: Type.String(),
  password: Secret(),
  env: Type.Optional(Type.Record(Type.String(), SecretOrString())),
  auth: Type.Optional(
    Type.Union([
      Type.Object({ type: Type.Literal("bearer"), token: Secret() }),
      Type.Object({ type: Type.Literal("none") }),
    ]),
  ),
  nested: Type.Optional(Type.Array(Type.Object({ key: Secret() }))),
});

const dir = tempDir();
afterEach(() => {
  delete process.env.UBOM_TEST_SECRET;
});

describe("resolveSecrets", () => {
  test("resolves env and file references and collects every secret value", () => {
    process.env.UBOM_TEST_SECRET = "from-the-environment";
    const file = join(dir, "token");
    writeFileSync(file, "from-a-file\n");
    const { value, secrets } = resolveSecrets<unknown>(Config, {
      user: "alice",
      password: { env: "UBOM_TEST_SECRET" },
      env: { PLAIN: "visible", HIDDEN: { file } },
      auth: { type: "bearer", token: "literal-token" },
      nested: [{ key: "nested-key" }],
    });
    expect(value).toEqual({
      user: "alice",
      password: "from-the-environment",
      env: { PLAIN: "visible", HIDDEN: "from-a-file" },
      auth: { type: "bearer", token: "literal-token" },
      nested: [{ key: "nested-key" }],
    });
    expect(secrets.sort()).toEqual(["from-a-file", "from-the-environment", "literal-token", "nested-key"]);
  });

  test("names every reference that cannot be read", () => {
    try {
      resolveSecrets(Config, { user: "a", password: { env: "UBOM_TEST_UNSET" }, env: { K: { file: join(dir, "missing") } } }, "executor_config");
      throw new Error("unreachable");
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(["executor_config.password", "executor_config.env.K"]);
      expect((error as Error).message).toContain("UBOM_TEST_UNSET, which is not set");
      expect((error as Error).message).toContain("(ENOENT)");
    }
  });
});

describe("maskSecrets", () => {
  test("masks literal secrets and keeps references, which hold none", () => {
    const masked = maskSecrets(Config, {
      user: "alice",
      password: "hunter22",
      env: { PLAIN: "visible", REF: { env: "X" } },
      auth: { type: "bearer", token: "tok-123" },
    });
    expect(masked).toEqual({ user: "alice", password: MASK, env: { PLAIN: "visible", REF: { env: "X" } }, auth: { type: "bearer", token: MASK } });
  });
});

describe("Redactor", () => {
  test("removes secret values from every string, keys included", () => {
    const redactor = new Redactor(["s3cr3t-value", "ab"]);
    expect(redactor.redact<unknown>({ out: "token=s3cr3t-value;", list: ["xs3cr3t-valuex"], ["s3cr3t-value"]: 1, n: 5 })).toEqual({
      out: `token=${MASK};`,
      list: [`x${MASK}x`],
      [MASK]: 1,
      n: 5,
    });
    // Two-letter "secrets" would mask ordinary text and are ignored.
    expect(redactor.redactString("abc")).toBe("abc");
  });

  test("escapes regular expression characters in secrets", () => {
    expect(new Redactor(["a.b*c(d"]).redactString("xa.b*c(dx axbbc(d")).toBe(`x${MASK}x axbbc(d`);
  });
});
