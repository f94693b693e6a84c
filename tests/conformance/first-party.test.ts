/**
 * The conformance suite over the first-party plugins (built-ins: builtin.test.ts).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { jsonSchemaProblems, runConformance } from "../../src/conformance/index.ts";
import type { WorkExample } from "../../src/core/index.ts";
import { describeConformance } from "../helpers/conformance.ts";
import { firstPartyRuntime } from "../helpers/first-party.ts";

// The http plugin's own examples are data: URLs; a loopback server adds one that hangs.
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    if (new URL(request.url).pathname === "/hang") await Bun.sleep(60_000);
    return Response.json({ ok: true });
  },
});
afterAll(() => server.stop(true));

const runtime = await firstPartyRuntime();
const httpExamples: WorkExample[] = [
  ...(runtime.registry.getExecutor("http").getMetadata().examples ?? []),
  { name: "loopback", executor_config: { url: `http://127.0.0.1:${server.port}/` } },
  { name: "hangs", executor_config: { url: `http://127.0.0.1:${server.port}/hang` }, runs_until_stopped: true },
];

describeConformance("http", () => runConformance(runtime.registry.getExecutor("http"), { examples: httpExamples }));
describeConformance("exec", () => runConformance(runtime.registry.getExecutor("exec")));

describe("conformance catches a broken executor", async () => {
  const { BasePlugin } = await import("../../src/plugins/base-plugin.ts");
  const { Type } = await import("@sinclair/typebox");
  const { workSucceeded } = await import("../../src/core/index.ts");

  // Accepts anything, ignores its signal, returns an incomplete result.
  class Sloppy extends BasePlugin {
    constructor() {
      super(
        { name: "sloppy", version: "0.0.0" },
        {
          name: "sloppy",
          version: "0.0.0",
          supported_types: ["sloppy"],
          examples: [
            { name: "ok", executor_config: {}, expect: "succeeded" },
            { name: "forever", executor_config: { forever: true }, runs_until_stopped: true },
          ],
        },
        { config: Type.Object({ forever: Type.Optional(Type.Boolean()), retries: Type.Integer({ default: 3 }) }) },
      );
    }
    override validate(): void {}
    async execute(_ctx: unknown, work: Parameters<typeof workSucceeded>[0]) {
      if (work.executor_config.forever) await Bun.sleep(1_500);
      return { ...workSucceeded(work, null), status: "finished" } as never;
    }
  }
  const outcomes = await runConformance(new Sloppy(), { cancelWithinMs: 500, timeout: "200ms" });
  const statusOf = (name: string) => outcomes.find((outcome) => outcome.name === name)?.status;

  test("each broken behaviour fails its check", () => {
    expect(statusOf("metadata describes the executor")).toBe("passed");
    expect(statusOf("schema exports as JSON Schema")).toBe("passed");
    expect(statusOf("bad config is rejected with paths")).toBe("failed");
    expect(statusOf("examples end as expected with complete results")).toBe("failed");
    expect(statusOf("cancel ends the work as cancelled")).toBe("failed");
    expect(statusOf("timeout ends the work as timed_out")).toBe("failed");
  });

  test("the messages say what is wrong", () => {
    const message = (name: string) => outcomes.find((outcome) => outcome.name === name)?.message ?? "";
    expect(message("examples end as expected with complete results")).toContain("the executor returned no valid WorkResult");
    expect(message("bad config is rejected with paths")).toContain("validate() accepted");
    expect(message("cancel ends the work as cancelled")).toMatch(/took \d+ms to stop, more than 500ms/);
    expect(message("timeout ends the work as timed_out")).toMatch(/took \d+ms to stop, more than 500ms/);
  });

  test("a schema whose default breaks its own rule is caught", () => {
    const problems = jsonSchemaProblems(Type.Object({ retries: Type.Integer({ default: "three" }) }));
    expect(problems).toEqual(['#/properties/retries: default "three" does not satisfy its own schema']);
  });
});
