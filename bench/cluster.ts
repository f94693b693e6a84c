/**
 * Scale-out on NATS JetStream, everything on this one machine in the same run:
 * - no-op works per second, submitted over HTTP at 64 connections until every result is
 *   recorded: one API node with one worker, with two workers, and `ubom serve` embedded;
 * - submit→result latency (POST ?wait=, one at a time): p50 and p99 for the same three;
 * - the ceiling: raw JetStream publish + consume + ack of messages of the same size, on a
 *   work-queue stream with file storage, the way ubom's own stream is set up.
 *   bun run bench/cluster.ts
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { freePort } from "../tests/helpers/free-port.ts";
import { portAnswers } from "../tests/helpers/port-answers.ts";
import { median, report } from "./report.ts";

const ROOT = join(import.meta.dir, "..");
const CONNECTIONS = 64;
const WORKS = 6_000;
const LATENCY_SAMPLES = 300;
const dir = mkdtempSync(join(tmpdir(), "ubom-bench-cluster-"));
const binary = join(dir, "ubom");
Bun.spawnSync(["bun", "run", join(ROOT, "build.ts"), "--binary-only", "--outfile", binary], { cwd: ROOT });
mkdirSync(join(dir, "plugins"));
copyFileSync(join(ROOT, "tests/fixtures/plugins/noop.ts"), join(dir, "plugins/noop.ts"));
const children: { kill(signal?: number | NodeJS.Signals): void; exited: Promise<number> }[] = [];

async function waitForPort(port: number): Promise<void> {
  while (!(await portAnswers(port))) await Bun.sleep(20);
}

async function startNats(): Promise<string> {
  const port = freePort();
  const child = Bun.spawn(["nats-server", "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", mkdtempSync(join(dir, "nats-"))], { stdout: "ignore", stderr: "ignore" });
  children.push(child);
  await waitForPort(port);
  return `nats://127.0.0.1:${port}`;
}

function spawnUbom(args: string[]): void {
  children.push(Bun.spawn([binary, ...args, "--log-level", "error"], { cwd: dir, stdout: "ignore", stderr: "ignore" }));
}

async function untilOk(url: string): Promise<void> {
  while ((await fetch(url).then((r) => r.status, () => 0)) !== 200) await Bun.sleep(20);
}

async function stopAll(): Promise<void> {
  for (const child of children.splice(0)) {
    child.kill("SIGTERM");
    await child.exited;
  }
}

/** Works recorded as finished, read from a Prometheus text page. */
async function finishedWorks(metricsUrls: string[]): Promise<number> {
  let total = 0;
  for (const url of metricsUrls) {
    const text = await (await fetch(url)).text();
    for (const match of text.matchAll(/^ubom_works_total\{[^}]*\} (\d+)/gm)) total += Number(match[1]);
  }
  return total;
}

const noopWork = (id: string) => JSON.stringify({ id, type: "noop", executor_config: {} });

/** Submits WORKS no-op works at 64 connections and waits until all are recorded; works/s. */
async function throughput(apiUrl: string, metricsUrls: string[], tag: string): Promise<number> {
  const before = await finishedWorks(metricsUrls);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < WORKS) {
        const response = await fetch(`${apiUrl}/v1/works`, { method: "POST", headers: { "content-type": "application/json" }, body: noopWork(`${tag}-${next++}`) });
        if (response.status !== 202) throw new Error(`submit answered ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
      }
    }),
  );
  while ((await finishedWorks(metricsUrls)) - before < WORKS) await Bun.sleep(10);
  return WORKS / ((performance.now() - started) / 1000);
}

/** Submit→result latency, one work at a time; p50 and p99 in ms. */
async function latency(apiUrl: string, tag: string): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const started = performance.now();
    const response = await fetch(`${apiUrl}/v1/works?wait=30s`, { method: "POST", headers: { "content-type": "application/json" }, body: noopWork(`${tag}-lat-${i}`) });
    const record = (await response.json()) as { status: string };
    if (record.status !== "succeeded") throw new Error(`latency work ended ${record.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: median(times), p99: times[Math.floor(times.length * 0.99)]! };
}

/** The ceiling: publish (acked) + fetch + ack of WORKS messages of a no-op work's size. */
async function rawJetStream(): Promise<number> {
  const nc = await connect({ servers: await startNats() });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "RAW", subjects: ["raw.>"], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
  await jsm.consumers.add("RAW", { durable_name: "raw", ack_policy: AckPolicy.Explicit, filter_subject: "raw.noop" });
  const js = jetstream(nc);
  const consumer = await js.consumers.get("RAW", "raw");
  const started = performance.now();
  let acked = 0;
  const consuming = (async () => {
    while (acked < WORKS) {
      const batch = await consumer.fetch({ max_messages: 64, expires: 1000 });
      for await (const message of batch) {
        message.ack();
        acked += 1;
      }
    }
  })();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < WORKS) {
        const id = `raw-${next++}`;
        await js.publish("raw.noop", noopWork(id), { msgID: id });
      }
    }),
  );
  await consuming;
  await nc.flush();
  const rate = WORKS / ((performance.now() - started) / 1000);
  await nc.close();
  return rate;
}

async function cluster(workers: number): Promise<{ rate: number; p50: number; p99: number }> {
  const queue = await startNats();
  const apiPort = freePort();
  spawnUbom(["serve", "--queue", queue, "--listen", `127.0.0.1:${apiPort}`]);
  const adminUrls: string[] = [];
  for (let i = 0; i < workers; i++) {
    const adminPort = freePort();
    spawnUbom(["worker", "--queue", queue, "--concurrency", "64", "--types", "noop", "--admin", `127.0.0.1:${adminPort}`]);
    adminUrls.push(`http://127.0.0.1:${adminPort}`);
  }
  const api = `http://127.0.0.1:${apiPort}`;
  await untilOk(`${api}/readyz`);
  for (const url of adminUrls) await untilOk(`${url}/healthz`);
  await throughput(api, adminUrls.map((url) => `${url}/metrics`), `warm-${workers}`);
  const rate = await throughput(api, adminUrls.map((url) => `${url}/metrics`), `run-${workers}`);
  const { p50, p99 } = await latency(api, `w${workers}`);
  await stopAll();
  return { rate, p50, p99 };
}

async function embedded(): Promise<{ rate: number; p50: number; p99: number }> {
  const port = freePort();
  const config = join(dir, "embedded.json");
  await Bun.write(config, JSON.stringify({ server: { concurrency: { global: 64 } } }));
  spawnUbom(["serve", "--listen", `127.0.0.1:${port}`, "--data", join(dir, "embedded-data"), "--config", config]);
  const api = `http://127.0.0.1:${port}`;
  // /healthz, not /readyz: embedded readiness also wants Docker, which no-op works do not need.
  await untilOk(`${api}/healthz`);
  await throughput(api, [`${api}/metrics`], "warm-embedded");
  const rate = await throughput(api, [`${api}/metrics`], "run-embedded");
  const { p50, p99 } = await latency(api, "embedded");
  await stopAll();
  return { rate, p50, p99 };
}

try {
  const ceiling = await rawJetStream();
  await stopAll();
  const one = await cluster(1);
  const two = await cluster(2);
  const local = await embedded();
  report({ bench: "cluster", metric: "one_worker_works_per_s_vs_raw_jetstream_publish_consume_ack", value: one.rate, unit: "works/s", baseline: ceiling }, true);
  report({ bench: "cluster", metric: "two_workers_works_per_s_vs_raw_jetstream_publish_consume_ack", value: two.rate, unit: "works/s", baseline: ceiling }, true);
  report({ bench: "cluster", metric: "two_workers_works_per_s_vs_one_worker", value: two.rate, unit: "works/s", baseline: one.rate }, true);
  report({ bench: "cluster", metric: "one_worker_works_per_s_vs_embedded", value: one.rate, unit: "works/s", baseline: local.rate }, true);
  report({ bench: "cluster", metric: "one_worker_latency_p50_ms_vs_embedded", value: one.p50, unit: "ms", baseline: local.p50 }, false);
  report({ bench: "cluster", metric: "one_worker_latency_p99_ms_vs_embedded", value: one.p99, unit: "ms", baseline: local.p99 }, false);
  report({ bench: "cluster", metric: "two_workers_latency_p50_ms_vs_embedded", value: two.p50, unit: "ms", baseline: local.p50 }, false);
  report({ bench: "cluster", metric: "two_workers_latency_p99_ms_vs_embedded", value: two.p99, unit: "ms", baseline: local.p99 }, false);
} finally {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
}
