/**
 * The conformance suite every executor passes — built-in, first-party plugin or a
 * third-party plugin checked with `ubom plugins check` — run through the real engine.
 */
import { Kind, type TSchema } from "@sinclair/typebox";
import { parseDuration } from "../core/duration.ts";
import { ValidationError, WorkCancelledError } from "../core/errors.ts";
import type { WorkExample } from "../core/metadata.ts";
import type { WorkResult } from "../core/result.ts";
import type { Work } from "../core/work.ts";
import type { EnhancedWorkExecutor } from "../executors/enhanced-work-executor.ts";
import { EnhancedWorkRegistry } from "../executors/enhanced-work-registry.ts";
import { WorkEngine } from "../engine/work-engine.ts";
import { executorConfigJsonSchema } from "../schemas/json-schema.ts";
import { jsonSchemaProblems } from "./json-schema-check.ts";
import { resultProblems } from "./result-shape.ts";

/** How a check ended. */
export type CheckStatus = "passed" | "failed" | "skipped";

/** One check's outcome; `message` says what failed or why it was skipped. */
export interface CheckOutcome {
  name: string;
  status: CheckStatus;
  message?: string;
}

/** Options of a conformance run. */
export interface ConformanceOptions {
  /** Examples to run instead of the executor's own (e.g. pointing at a test server). */
  examples?: WorkExample[];
  /** How soon after an abort the result must be `cancelled`. @default 1000 */
  cancelWithinMs?: number;
  /** The timeout given to the long-running example. @default "500ms" */
  timeout?: string;
}

/** The names of the checks, in the order they run. */
export const CONFORMANCE_CHECKS = [
  "metadata describes the executor",
  "schema exports as JSON Schema",
  "bad config is rejected with paths",
  "examples end as expected with complete results",
  "cancel ends the work as cancelled",
  "timeout ends the work as timed_out",
] as const;

type CheckName = (typeof CONFORMANCE_CHECKS)[number];
type CheckBody = () => Promise<string | undefined | { skipped: string }>;

const WRONG_TYPE_VALUE: Record<string, unknown> = { string: 12345, number: "not a number", integer: "not an integer", boolean: "not a boolean", array: "not an array", object: "not an object" };

function exampleWork(type: string, example: WorkExample, suffix: string, extra: Partial<Work> = {}): Work {
  const id = `conformance-${suffix}-${example.name.replace(/[^A-Za-z0-9]+/g, "-")}`.slice(0, 128);
  return { id, type, executor_config: structuredClone(example.executor_config), ...(example.input === undefined ? {} : { input: example.input }), ...extra };
}

/**
 * A config that breaks the schema in ways a schema must catch — required fields left out,
 * typed fields given the wrong type — and the paths an error must name.
 */
function badConfig(config: TSchema): { value: Record<string, unknown>; paths: string[] } {
  // A discriminated union (one schema per provider, say): break its first member.
  const discriminator = config.discriminated_by as string | undefined;
  const first = (config.anyOf as TSchema[] | undefined)?.[0];
  if (discriminator && first) {
    const bad = badConfig(first);
    const tag = (first.properties as Record<string, TSchema>)[discriminator]!.const;
    return { value: { ...bad.value, [discriminator]: tag }, paths: bad.paths.filter((path) => path !== `executor_config.${discriminator}`) };
  }
  const required = new Set((config.required ?? []) as string[]);
  const value: Record<string, unknown> = {};
  const paths: string[] = [];
  for (const [key, schema] of Object.entries((config.properties ?? {}) as Record<string, TSchema>)) {
    if (required.has(key) && schema.default === undefined) paths.push(`executor_config.${key}`);
    else if (typeof schema.type === "string" && schema.type in WRONG_TYPE_VALUE) {
      value[key] = WRONG_TYPE_VALUE[schema.type];
      paths.push(`executor_config.${key}`);
    }
  }
  return { value, paths };
}

/** Runs every check against `executor`; never throws. */
export async function runConformance(executor: EnhancedWorkExecutor, options: ConformanceOptions = {}): Promise<CheckOutcome[]> {
  const registry = new EnhancedWorkRegistry();
  const engine = new WorkEngine(registry, { stopGraceMs: 5_000 });
  const cancelWithinMs = options.cancelWithinMs ?? 1_000;
  const timeout = options.timeout ?? "500ms";
  const metadata = executor.getMetadata();
  const type = executor.getSupportedTypes()[0] ?? "";
  const examples = options.examples ?? metadata.examples ?? [];
  const finite = examples.filter((example) => !example.runs_until_stopped);
  const endless = examples.find((example) => example.runs_until_stopped);
  let registrationError: string | undefined;
  try {
    registry.registerAll(executor);
  } catch (error) {
    registrationError = `the executor cannot be registered: ${(error as Error).message}`;
  }

  const checks: Record<CheckName, CheckBody> = {
    "metadata describes the executor": async () => {
      if (!metadata.name || !metadata.version) return "getMetadata() lacks a name or version";
      const types = executor.getSupportedTypes();
      if (!types.length) return "getSupportedTypes() is empty";
      if (JSON.stringify([...types].sort()) !== JSON.stringify([...metadata.supported_types].sort())) {
        return "getSupportedTypes() and metadata.supported_types differ";
      }
      const refused = types.filter((t) => !executor.canExecute(t));
      if (refused.length) return `canExecute() is false for its own types: ${refused.join(", ")}`;
      if (executor.canExecute("ubom-conformance-unknown")) return "canExecute() is true for a type it does not support";
      return registrationError;
    },
    "schema exports as JSON Schema": async () => {
      const schema = executor.getSchema();
      if (!schema?.config || !(Kind in schema.config)) return "getSchema().config is not a TypeBox schema";
      const members = (schema.config.anyOf as TSchema[] | undefined) ?? [schema.config];
      if (members.some((member) => member.type !== "object")) return "the config schema is not an object (or a union of objects)";
      const problems = [schema.config, schema.input, schema.output].flatMap((part) => (part ? jsonSchemaProblems(part) : []));
      const exported = executorConfigJsonSchema(type, schema.config);
      if (JSON.parse(JSON.stringify(exported)).$id !== exported.$id) problems.push("the exported schema loses its $id");
      return problems.length ? problems.join("; ") : undefined;
    },
    "bad config is rejected with paths": async () => {
      const bad = badConfig(executor.getSchema().config);
      if (!bad.paths.length) return { skipped: "the config schema has no required or typed properties to break" };
      const work: Work = { id: "conformance-bad-config", type, executor_config: bad.value };
      for (const [who, validate] of [
        ["registry.validateWork", () => registry.validateWork(work)],
        ["validate", () => executor.validate(work)],
      ] as const) {
        try {
          validate();
          return `${who}() accepted ${JSON.stringify(bad.value)}`;
        } catch (error) {
          if (!(error instanceof ValidationError)) return `${who}() threw ${(error as Error).name}, not a ValidationError`;
          const named = error.issues.map((issue) => issue.path);
          const missing = bad.paths.filter((path) => !named.some((issuePath) => issuePath.startsWith(path)));
          if (missing.length) return `${who}() did not name ${missing.join(", ")} (it named ${named.join(", ") || "nothing"})`;
        }
      }
      return undefined;
    },
    "examples end as expected with complete results": async () => {
      if (!finite.length) return { skipped: "the executor lists no example works" };
      const problems: string[] = [];
      for (const example of finite) {
        const work = exampleWork(type, example, "example");
        const result = await engine.execute(work);
        const expected = example.expect ?? "succeeded";
        if (result.status !== expected) problems.push(`${example.name}: ${result.status}, expected ${expected}${result.error ? ` (${result.error.message})` : ""}`);
        problems.push(...resultProblems(result, work.id).map((problem) => `${example.name}: ${problem}`));
      }
      return problems.length ? problems.join("; ") : undefined;
    },
    "cancel ends the work as cancelled": async () => {
      if (!endless) return { skipped: "the executor lists no example that runs until stopped" };
      const controller = new AbortController();
      const work = exampleWork(type, endless, "cancel");
      const running = engine.execute(work, { signal: controller.signal });
      await Bun.sleep(300);
      const abortedAt = performance.now();
      controller.abort(new WorkCancelledError("conformance check"));
      const result = await running;
      return endedWithin(result, "cancelled", performance.now() - abortedAt, cancelWithinMs, work.id);
    },
    "timeout ends the work as timed_out": async () => {
      if (!endless) return { skipped: "the executor lists no example that runs until stopped" };
      const work = exampleWork(type, endless, "timeout", { timeout });
      const started = performance.now();
      const result = await engine.execute(work);
      const timeoutMs = parseDuration(timeout, "timeout");
      return endedWithin(result, "timed_out", performance.now() - started - timeoutMs, cancelWithinMs, work.id);
    },
  };

  const outcomes: CheckOutcome[] = [];
  for (const name of CONFORMANCE_CHECKS) {
    try {
      const verdict = await checks[name]();
      if (verdict === undefined) outcomes.push({ name, status: "passed" });
      else if (typeof verdict === "string") outcomes.push({ name, status: "failed", message: verdict });
      else outcomes.push({ name, status: "skipped", message: verdict.skipped });
    } catch (error) {
      outcomes.push({ name, status: "failed", message: `threw: ${(error as Error).message}` });
    }
  }
  return outcomes;
}

function endedWithin(result: WorkResult, status: string, lateMs: number, withinMs: number, workId: string): string | undefined {
  const problems = resultProblems(result, workId);
  if (result.status !== status) problems.unshift(`ended ${result.status}, expected ${status}`);
  if (lateMs > withinMs) problems.push(`took ${Math.round(lateMs)}ms to stop, more than ${withinMs}ms`);
  if (result.error?.details?.executor_stopped === false) problems.push("the executor did not stop when its signal aborted");
  return problems.length ? problems.join("; ") : undefined;
}
