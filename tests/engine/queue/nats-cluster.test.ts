/**
 * The cluster through real processes: two API nodes and two workers of the compiled
 * binary sharing a real nats-server with JetStream.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { buildBinaryInFreshFolder } from "../../helpers/binary.ts";
import { startApiNode, startWorker } from "../../helpers/cluster.ts";
import { startNats } from "../../helpers/nats.ts";
import { isRunning } from "../../helpers/processes.ts";
import { freePort, installFirstPartyPlugins, waitFinal } from "../../helpers/server.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const httpHits = new Map<string, number>();
const target = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(request) {
    const id = new URL(request.url).searchParams.get("id") ?? "";
    httpHits.set(id, (httpHits.get(id) ?? 0) + 1);
    return Response.json({ id });
  },
});
afterAll(() => target.stop(true));
const ranFile = join(tempDir(), "ran.txt");
writeFileSync(ranFile, "");
const dir = await buildBinaryInFreshFolder();
installFirstPartyPlugins(dir);
const nats = await startNats();
const [node1, node2] = await Promise.all([startApiNode(dir, nats.url), startApiNode(dir, nats.url)]);
/** workerAll runs every type; workerExec only exec works. */
const [workerAll, workerExec] = await Promise.all([
  startWorker(dir, nats.url, { args: ["--concurrency", "16"], admin: true }),
  startWorker(dir, nats.url, { args: ["--concurrency", "16", "--types", "exec"] }),
]);

/** An exec work that appends its id to ranFile, so each run of it leaves one line. */
function execWork(id: string, script = "", extra: Record<string, unknown> = {}) {
  return { id, type: "exec", executor_config: { command: "sh", args: ["-c", `echo "$0" >> ${ranFile}; ${script}`, id] }, timeout: "60s", ...extra };
}

function httpWork(id: string) {
  return { id, type: "http", executor_config: { url: `http://127.0.0.1:${target.port}/hit?id=${encodeURIComponent(id)}` }, timeout: "60s" };
}

function runsOf(id: string): number {
  return readFileSync(ranFile, "utf8").split("\n").filter((line) => line === id).length;
}


describe("ubom serve --queue with ubom worker", () => {
  test("500 mixed exec/http works all succeed, each run exactly once, each type only on a worker that has it", async () => {
    const works = Array.from({ length: 500 }, (_, index) => (index % 2 ? httpWork(`mixed-${index}`) : execWork(`mixed-${index}`)));
    // Half to each API node, 50 requests at a time.
    for (let start = 0; start < works.length; start += 50) {
      const statuses = await Promise.all(works.slice(start, start + 50).map((work, offset) => ((start + offset) % 4 < 2 ? node1 : node2).api("/v1/works", { method: "POST", json: work }).then((response) => response.status)));
      expect(statuses.every((status) => status === 202)).toBe(true);
    }
    const records = await Promise.all(works.map((work) => waitFinal(node2, work.id, 90_000)));
    expect(records.filter((record) => record.status !== "succeeded").map((record) => [record.id, record.status, record.result?.error])).toEqual([]);
    const ranBy = { all: 0, exec: 0 };
    for (const record of records) {
      expect(record.attempts).toBe(1);
      expect(record.attempt_history).toHaveLength(1);
      const worker = record.attempt_history[0].worker;
      expect([workerAll.name, workerExec.name]).toContain(worker);
      if (record.type === "http") {
        expect(worker).toBe(workerAll.name);
        expect(httpHits.get(record.id)).toBe(1);
      } else expect(runsOf(record.id)).toBe(1);
      if (record.type === "exec") ranBy[worker === workerAll.name ? "all" : "exec"] += 1;
    }
    // Both workers took exec works from the shared consumer.
    expect(ranBy.all).toBeGreaterThan(0);
    expect(ranBy.exec).toBeGreaterThan(0);
    const listed = await (await node1.api("/v1/works?status=succeeded&type=http&limit=500")).json();
    expect(listed.works.filter((work: { id: string }) => work.id.startsWith("mixed-"))).toHaveLength(250);
  }, 180_000);

  test("the same id posted to two API nodes at once runs once; another body under that id is a conflict", async () => {
    const work = execWork("twice-posted");
    const responses = await Promise.all([node1, node2].map((node) => node.api("/v1/works", { method: "POST", json: work })));
    expect(responses.map((response) => response.status).sort()).toEqual([200, 202]);
    expect((await waitFinal(node1, work.id)).status).toBe("succeeded");
    // Posted again after it ran: still the one work.
    const again = await node2.api("/v1/works", { method: "POST", json: work });
    expect(again.status).toBe(200);
    expect(runsOf(work.id)).toBe(1);
    const other = await node2.api("/v1/works", { method: "POST", json: { ...work, input: "something else" } });
    expect(other.status).toBe(409);
    expect((await other.json()).error.code).toBe("conflict");
  }, 60_000);

  test("a work whose API node died between claiming its id and publishing it runs when the client posts it again", async () => {
    const work = execWork("orphaned-claim");
    // What the API node had written before it died: the claim in the bucket, a minute ago, and no message.
    const validated = (await (await node1.api("/v1/validate", { method: "POST", json: work })).json()).work;
    const text = JSON.stringify(validated);
    const minuteAgo = Date.now() - 60_000;
    const nc = await connect({ servers: nats.url });
    try {
      const kv = await new Kvm(nc).open("ubom_works");
      await kv.create(work.id, JSON.stringify({
        id: work.id, type: "exec", status: "queued", display: text, body_hash: createHash("sha256").update(text).digest("hex"), labels: "{}",
        submitted_at: minuteAgo, updated_at: minuteAgo, attempts: 0, result: null, cancel_requested: false, history: [], message_seq: 0,
      }));
    } finally {
      await nc.close();
    }
    await Bun.sleep(1_000);
    expect((await (await node1.api(`/v1/works/${work.id}`)).json()).status).toBe("queued");
    const again = await node2.api("/v1/works", { method: "POST", json: work });
    expect(again.status).toBe(200);
    expect((await waitFinal(node1, work.id)).status).toBe("succeeded");
    // Posting it once more neither publishes nor runs it again.
    expect((await node1.api("/v1/works", { method: "POST", json: work })).status).toBe(200);
    await Bun.sleep(500);
    expect(runsOf(work.id)).toBe(1);
  }, 60_000);

  test("a work failing on every attempt ends failed after exactly max_attempts, with a dead letter", async () => {
    const work = execWork("always-fails", "exit 3", { retry: { max_attempts: 4, initial_delay: "50ms", max_delay: "200ms" } });
    work.executor_config = { ...work.executor_config, retryable_exit_codes: [3] } as typeof work.executor_config;
    expect((await node1.api("/v1/works", { method: "POST", json: work })).status).toBe(202);
    const record = await waitFinal(node1, work.id);
    expect(record.status).toBe("failed");
    expect(record.attempts).toBe(4);
    expect(record.attempt_history.map((attempt: { status: string }) => attempt.status)).toEqual(["failed", "failed", "failed", "failed"]);
    expect(record.result.error.code).toBe("exec.exit_code");
    await Bun.sleep(300);
    expect(runsOf(work.id)).toBe(4);

    const nc = await connect({ servers: nats.url });
    try {
      const letters: { work_id: string; attempts: number; status: string }[] = [];
      const consumer = await jetstream(nc).consumers.get("UBOM_DEAD_LETTERS");
      const info = await (await jetstreamManager(nc)).streams.info("UBOM_DEAD_LETTERS");
      const batch = await consumer.fetch({ max_messages: info.state.messages, expires: 2000 });
      for await (const message of batch) letters.push(message.json());
      expect(letters.filter((letter) => letter.work_id === work.id)).toEqual([expect.objectContaining({ work_id: work.id, attempts: 4, status: "failed" })]);
    } finally {
      await nc.close();
    }
  }, 60_000);

  test("a cancel sent to one API node stops the work running on a worker; another node streams its log live", async () => {
    const pidFile = join(tempDir(), "pid");
    const work = execWork("cancel-me", `echo started; echo $$ > ${pidFile}; exec sleep 60`);
    expect((await node1.api("/v1/works", { method: "POST", json: work })).status).toBe(202);
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await Bun.sleep(50);
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(isRunning(pid)).toBe(true);

    const stream = await node2.api(`/v1/works/${work.id}/logs`, { headers: { accept: "text/event-stream" } });
    const reading = stream.text();
    await Bun.sleep(300);
    const cancelled = await node2.api(`/v1/works/${work.id}`, { method: "DELETE" });
    expect(cancelled.status).toBe(200);
    const record = await waitFinal(node1, work.id, 15_000);
    expect(record.status).toBe("cancelled");
    expect(record.result.error.code).toBe("cancelled");
    expect(isRunning(pid)).toBe(false);
    const events = await reading;
    expect(events).toContain('"line":"started"');
    expect(events).toContain('event: end\ndata: {"id":"cancel-me","status":"cancelled"}');
  }, 60_000);

  test("a cancel whose message was lost (only the record is marked) still stops the work within seconds", async () => {
    const work = execWork("cancel-mark-only", "exec sleep 60");
    expect((await node1.api("/v1/works", { method: "POST", json: work })).status).toBe(202);
    const nc = await connect({ servers: nats.url });
    try {
      const kv = await new Kvm(nc).open("ubom_works");
      for (;;) {
        const entry = (await kv.get(work.id))!;
        const record = entry.json<{ status: string }>();
        if (record.status !== "running") {
          await Bun.sleep(50);
          continue;
        }
        // What an API node writes before it publishes the cancel message; the message is never sent.
        await kv.update(work.id, JSON.stringify({ ...record, cancel_requested: true }), entry.revision);
        break;
      }
    } finally {
      await nc.close();
    }
    const record = await waitFinal(node1, work.id, 15_000);
    expect(record.status).toBe("cancelled");
  }, 60_000);

  test("a work cancelled while queued never runs", async () => {
    // 32 works ahead of it fill both workers' 16 slots for 2 s: it is still queued when cancelled.
    const work = execWork("cancel-queued", "sleep 1");
    const blockers = Array.from({ length: 32 }, (_, index) => execWork(`blocker-${index}`, "sleep 2"));
    await Promise.all(blockers.map((blocker) => node1.api("/v1/works", { method: "POST", json: blocker })));
    expect((await node1.api("/v1/works", { method: "POST", json: work })).status).toBe(202);
    const response = await node2.api(`/v1/works/${work.id}`, { method: "DELETE" });
    expect((await response.json()).status).toBe("cancelled");
    await Promise.all(blockers.map((blocker) => waitFinal(node1, blocker.id)));
    await Bun.sleep(500);
    expect((await waitFinal(node1, work.id)).status).toBe("cancelled");
    expect(runsOf(work.id)).toBe(0);
  }, 60_000);

  test("secrets stay out of the results bucket, the API and the worker's log", async () => {
    const secretFile = join(tempDir(), "token");
    const secret = "s3cr3t-cluster-token-8841";
    writeFileSync(secretFile, secret);
    const work = { id: "with-secret", type: "exec", executor_config: { command: "sh", args: ["-c", 'echo "token is $TOKEN"; echo "$TOKEN" >&2'], env: { TOKEN: { file: secretFile } } } };
    const submitted = await node1.api("/v1/works", { method: "POST", json: work });
    expect(submitted.status).toBe(202);
    const shown = (await submitted.json()).work;
    const record = await waitFinal(node2, work.id);
    expect(record.status).toBe("succeeded");
    // The worker re-created the record from the message: the document shown is still the masked one.
    expect(record.work).toEqual(shown);
    expect(JSON.stringify(record)).not.toContain(secret);
    expect(record.result.logs.lines.map((line: { line: string }) => line.line)).toContain("token is ********");

    const nc = await connect({ servers: nats.url });
    try {
      const kv = await new Kvm(nc).open("ubom_works");
      const stored = (await kv.get("with-secret"))!.string();
      expect(stored).toContain("token is ********");
      expect(stored).not.toContain(secret);
    } finally {
      await nc.close();
    }
    expect(workerAll.stderr() + workerExec.stderr()).not.toContain(secret);
  }, 60_000);

  test("a result larger than the servers' max_payload is stored cut down, once, not run again and again", async () => {
    // About 2 MB of output in short lines: the output is too big for a message, the log (the newest 256 KiB) is not.
    const work = execWork("big-output", "seq 1 300000");
    work.executor_config = { ...work.executor_config, max_output_bytes: 4 * 1024 * 1024 } as typeof work.executor_config;
    expect((await node1.api("/v1/works", { method: "POST", json: work })).status).toBe(202);
    const record = await waitFinal(node1, work.id);
    expect(record.status).toBe("succeeded");
    expect(record.attempts).toBe(1);
    expect(record.result.output).toMatchObject({ truncated: true });
    expect(record.result.logs.truncated).toBe(true);
    expect(record.result.logs.lines.at(-1).line).toBe("300000");
    await Bun.sleep(500);
    expect(runsOf(work.id)).toBe(1);
  }, 60_000);

  test("the worker's admin port answers /healthz and /metrics; the API node's /readyz names the queue", async () => {
    const health = (await (await fetch(`${workerAll.adminUrl}/healthz`)).json()) as { status: string; worker: string; types: string[] };
    expect(health).toMatchObject({ status: "ok", worker: workerAll.name });
    expect(health.types).toEqual(expect.arrayContaining(["exec", "http", "docker"]));
    const metrics = await (await fetch(`${workerAll.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/ubom_works_total\{type="http",status="succeeded"\} [1-9]/);
    const ready = await node1.api("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, queue: "nats" });
  });

  test("a worker asked for a type no executor runs, or without a queue, is refused clearly", async () => {
    const { ubom } = await import("../../helpers/binary.ts");
    const unknownType = await ubom(dir, ["worker", "--queue", nats.url, "--types", "exec,nope"]);
    expect(unknownType.exitCode).toBe(2);
    expect(unknownType.stderr).toContain("--types names types no executor here runs: nope");
    const noQueue = await ubom(dir, ["worker"]);
    expect(noQueue.exitCode).toBe(2);
    expect(noQueue.stderr).toContain("a worker needs a queue");
    const badUrl = await ubom(dir, ["worker", "--queue", "http://127.0.0.1:1"]);
    expect(badUrl.exitCode).toBe(2);
    expect(badUrl.stderr).toContain("queue.url");
    const nobodyThere = await ubom(dir, ["serve", "--queue", `nats://127.0.0.1:${freePort()}`]);
    expect(nobodyThere.exitCode).toBe(2);
    expect(nobodyThere.stderr).toContain("cannot connect to NATS at nats://127.0.0.1:");
    const both = await ubom(dir, ["serve", "--queue", nats.url, "--data", "somewhere"]);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain("--data and --queue exclude each other");
  });
});
