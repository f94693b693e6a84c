import { describe, expect, test } from "bun:test";
import type { ClusterRecord } from "../../../src/engine/queue/nats/cluster-record.ts";
import { fitPayload, newestThatFit } from "../../../src/engine/queue/nats/payload-fit.ts";

const MAX = 1024 * 1024;
const line = (text: string) => ({ time: "2026-11-26T00:00:00.000Z", stream: "stdout" as const, line: text });

function record(output: unknown, lines: string[]): ClusterRecord {
  return {
    id: "w",
    type: "exec",
    status: "succeeded",
    display: "{}",
    body_hash: "",
    labels: "{}",
    submitted_at: 0,
    updated_at: 0,
    attempts: 1,
    cancel_requested: false,
    history: [],
    message_seq: 1,
    result: {
      work_id: "w",
      status: "succeeded",
      output,
      started_at: "",
      finished_at: "",
      duration_ms: 0,
      attempts: 1,
      executor: { type: "exec", name: "exec", version: "1" },
      metadata: {},
      logs: { lines: lines.map(line), truncated: false },
    },
  };
}

const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe("fitting a record in max_payload", () => {
  test("a record that fits is left as it is", () => {
    const small = record({ ok: true }, ["a", "b"]);
    expect(fitPayload(small, MAX)).toBe(small);
  });

  test("an output over half the room is replaced, the log kept", () => {
    const fitted = fitPayload(record("x".repeat(1_100_000), ["first", "last"]), MAX);
    expect(size(fitted)).toBeLessThan(MAX);
    expect(fitted.result!.output).toMatchObject({ truncated: true });
    expect(fitted.result!.logs.lines.map((l) => l.line)).toEqual(["first", "last"]);
  });

  test("huge log lines are cut before any line is dropped; then the oldest go", () => {
    // Control characters take six bytes each in JSON: 200 KiB of them is 1.2 MB.
    const fitted = fitPayload(record(null, ["\u0001".repeat(200 * 1024), "newest"]), MAX);
    expect(size(fitted)).toBeLessThan(MAX);
    expect(fitted.result!.logs.truncated).toBe(true);
    expect(fitted.result!.logs.lines.map((l) => l.line.slice(-7))).toEqual(["… (cut)", "newest"]);

    const many = fitPayload(record(null, Array.from({ length: 200 }, (_, i) => `${i}:${"y".repeat(10_000)}`)), MAX);
    expect(size(many)).toBeLessThan(MAX);
    const kept = many.result!.logs.lines.map((l) => Number(l.line.split(":")[0]));
    expect(kept.at(-1)).toBe(199);
    expect(kept.length).toBeLessThan(200);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 200 - kept.length + i));
  });

  test("the lines so far sent to a late follower are the newest that fit", () => {
    const lines = Array.from({ length: 100 }, (_, i) => line(`${i}`.padStart(1000, "-")));
    const tail = newestThatFit(lines, 10_000);
    expect(tail.length).toBeGreaterThan(0);
    expect(tail.at(-1)).toBe(lines.at(-1)!);
    expect(size(tail)).toBeLessThanOrEqual(10_000);
  });
});
