import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { ValidationError } from "../../src/core/index.ts";
import { Duration, SchemaValidator, Secret } from "../../src/schemas/index.ts";

const Config = Type.Object(
  {
    url: Type.String({ pattern: "^https?://", expectation: "an http:// or https:// URL" }),
    method: Type.Union([Type.Literal("GET"), Type.Literal("POST")], { default: "GET" }),
    retries: Type.Integer({ minimum: 0, default: 3 }),
    timeout: Type.Optional(Duration()),
    volumes: Type.Optional(Type.Array(Type.Object({ source: Type.String(), target: Type.String() }, { additionalProperties: false }))),
    password: Type.Optional(Secret()),
  },
  { additionalProperties: false },
);
const Input = Type.Object({ n: Type.Integer() });

function validator(): SchemaValidator {
  const v = new SchemaValidator();
  v.registerSchema("web", { config: Config, input: Input });
  v.registerSchema("bare", Type.Object({ x: Type.String() }));
  return v;
}

function issuesOf(run: () => unknown): Record<string, string> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return Object.fromEntries((error as ValidationError).issues.map((issue) => [issue.path, issue.message]));
  }
  throw new Error("expected a ValidationError");
}

describe("SchemaValidator.validateWork", () => {
  test("applies schema defaults and leaves the caller's work untouched", () => {
    const work = { id: "w1", type: "web", executor_config: { url: "https://example.test" }, input: { n: 1 } };
    const validated = validator().validateWork(work);
    expect(validated.executor_config).toEqual({ url: "https://example.test", method: "GET", retries: 3 });
    expect(work.executor_config).toEqual({ url: "https://example.test" });
  });

  test("applies the envelope's retry defaults", () => {
    const validated = validator().validateWork({ id: "w1", type: "bare", executor_config: { x: "y" }, retry: { max_attempts: 3 } });
    expect(validated.retry).toEqual({ max_attempts: 3, initial_delay: "1s", max_delay: "1m", multiplier: 2 });
  });

  test("reports every problem of the envelope, config and input at once, with paths", () => {
    const issues = issuesOf(() =>
      validator().validateWork({
        id: "has spaces",
        type: "web",
        timeout: "soon",
        surprise: true,
        executor_config: {
          url: "ftp://x",
          method: "PUT",
          retries: -1,
          timeout: "lots",
          volumes: [{ source: "/a", target: 7 }],
          extra: 1,
        },
        input: { n: "one" },
      }),
    );
    expect(Object.keys(issues).sort()).toEqual(
      [
        "id",
        "timeout",
        "surprise",
        "executor_config.url",
        "executor_config.method",
        "executor_config.retries",
        "executor_config.timeout",
        "executor_config.volumes[0].target",
        "executor_config.extra",
        "input.n",
      ].sort(),
    );
    expect(issues["executor_config.url"]).toBe('must be an http:// or https:// URL: got "ftp://x"');
    expect(issues["executor_config.method"]).toBe('must be one of "GET", "POST": got "PUT"');
    expect(issues["executor_config.timeout"]).toBe('must be a duration like 250ms, 30s, 5m or 1h30m: got "lots"');
    expect(issues["executor_config.extra"]).toBe("is not a known field");
    expect(issues["surprise"]).toBe("is not a known field");
  });

  test("names missing required fields", () => {
    const issues = issuesOf(() => validator().validateWork({ type: "web", executor_config: {} }));
    expect(issues).toMatchObject({ id: "is required", "executor_config.url": "is required" });
  });

  test("the message lists every path, so a log line alone is enough", () => {
    try {
      validator().validateWork({ id: "w", type: "bare", executor_config: { x: 1 }, timeout: "x" });
      throw new Error("unreachable");
    } catch (error) {
      expect((error as Error).message).toBe(
        'invalid work: timeout: must be a duration like 250ms, 30s, 5m or 1h30m: got "x"; executor_config.x: expected string: got 1',
      );
    }
  });

  test("never shows a secret's value in a message", () => {
    const issues = issuesOf(() =>
      validator().validateWork({ id: "w", type: "web", executor_config: { url: "http://x", password: 12345678 } }),
    );
    expect(issues["executor_config.password"]).toContain("(secret value hidden)");
    expect(JSON.stringify(issues)).not.toContain("12345678");
  });

  test("a type with no registered schema gets only the envelope checked", () => {
    expect(validator().validateWork({ id: "w", type: "other", executor_config: { anything: 1 } }).type).toBe("other");
  });

  test("rejects a document that is not an object", () => {
    expect(Object.keys(issuesOf(() => validator().validateWork("nope")))).toEqual([""]);
    expect(Object.keys(issuesOf(() => validator().validateWork({ id: "w", type: "web", executor_config: [] })))).toEqual(["executor_config"]);
  });
});
