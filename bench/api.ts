/**
 * `ubom serve` under load from a Bun client at 64 connections, each figure beside its
 * baseline in the same run:
 * - GET /healthz against a bare Bun.serve handler;
 * - durable POST /v1/works submissions against an in-process loop doing the same SQLite
 *   insert (WAL, one transaction per work);
 * - end-to-end works per second (submit with ?wait) on the no-op test plugin, so the
 *   server's own path is measured, not process spawning;
 * - time until /readyz is 200 with 100,000 finished works in the store, against an empty one.
 *   bun run bench/api.ts
 */
import { Database } from "bun:sqlite";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../tests/helpers/free-port.ts";
import { ratePerSecond, report } from "./report.ts";

const ROOT = join(import.meta.dir, "..");
const CONNECTIONS = 64;
const dir = mkdtempSync(join(tmpdir(), "ubom-bench-api-"));
const binary = join(dir, "ubom");
Bun.spawnSync(["bun", "run", join(ROOT, "build.ts"), "--binary-only", "--outfile", binary], { cwd: ROOT });
mkdirSync(join(dir, "plugins"));
copyFileSync(join(ROOT, "tests/fixtures/plugins/noop.ts"), join(dir, "plugins/noop.ts"));

async function startServer(data: string, concurrency = 64): Promise<{ url: string; stop: () => Promise<void>; readyMs: number }> {
  const port = freePort();
  const config = join(dir, `config-${port}.json`);
  await Bun.write(config, JSON.stringify({ log_level: "error", server: { concurrency: { global: concurrency } } }));
  const started = performance.now();
  const child = Bun.spawn([binary, "serve", "--listen", `127.0.0.1:${port}`, "--data", data, "--config", config, "--log-level", "error"], { cwd: dir, stdout: "ignore", stderr: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if ((await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) === 200) break;
    await Bun.sleep(5);
  }
  return { url, readyMs: performance.now() - started, stop: async () => (child.kill("SIGTERM"), void (await child.exited)) };
}


// 1. /healthz against a bare Bun.serve handler.
const bare = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json({ status: "ok" }) });
const server = await startServer(join(dir, "data-main"));
const get = (url: string) => async () => void (await (await fetch(url)).arrayBuffer());
await ratePerSecond(2_000, CONNECTIONS, get(`${server.url}/healthz`));
await ratePerSecond(2_000, CONNECTIONS, get(`http://127.0.0.1:${bare.port}/`));
const bareRate = await ratePerSecond(20_000, CONNECTIONS, get(`http://127.0.0.1:${bare.port}/`));
const healthzRate = await ratePerSecond(20_000, CONNECTIONS, get(`${server.url}/healthz`));
report({ bench: "api", metric: "healthz_requests_per_s_vs_bare_bun_serve", value: healthzRate, unit: "req/s", baseline: bareRate }, true);
bare.stop(true);

// 2. Durable submissions against the same insert in a bare loop. The submitted no-op works
// also run meanwhile, as they would in service.
const rawDb = new Database(join(dir, "raw.sqlite"), { create: true, strict: true });
rawDb.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
rawDb.exec("CREATE TABLE works (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, type TEXT, status TEXT, body TEXT, display TEXT, body_hash TEXT, labels TEXT, submitted_at INTEGER, updated_at INTEGER)");
const insert = rawDb.prepare("INSERT INTO works (id, type, status, body, display, body_hash, labels, submitted_at, updated_at) VALUES (?, 'noop', 'queued', ?, ?, ?, '{}', ?, ?)");
const SUBMITS = 20_000;
const rawStarted = performance.now();
for (let i = 0; i < SUBMITS; i++) {
  const body = JSON.stringify({ id: `raw-${i}`, type: "noop", executor_config: {} });
  rawDb.transaction(() => insert.run(`raw-${i}`, body, body, String(i), Date.now(), Date.now()))();
}
const rawRate = SUBMITS / ((performance.now() - rawStarted) / 1000);
rawDb.close();
const submitRate = await ratePerSecond(SUBMITS, CONNECTIONS, async (i) => {
  const response = await fetch(`${server.url}/v1/works`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id: `submit-${i}`, type: "noop", executor_config: {} }) });
  if (response.status !== 202) throw new Error(`submit answered ${response.status}`);
  await response.arrayBuffer();
});
report({ bench: "api", metric: "durable_submissions_per_s_vs_raw_sqlite_loop", value: submitRate, unit: "works/s", baseline: rawRate }, true);

// 3. End to end: submit and wait for the result.
const E2E = 5_000;
const e2eRate = await ratePerSecond(E2E, CONNECTIONS, async (i) => {
  const response = await fetch(`${server.url}/v1/works?wait=30s`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id: `e2e-${i}`, type: "noop", executor_config: {} }) });
  const record = (await response.json()) as { status: string };
  if (record.status !== "succeeded") throw new Error(`e2e work ended ${record.status}`);
});
report({ bench: "api", metric: "end_to_end_noop_works_per_s_vs_durable_submissions", value: e2eRate, unit: "works/s", baseline: submitRate }, true);
await server.stop();

// 4. Start-up until ready: 100,000 finished works against an empty store.
const full = join(dir, "data-full");
{
  const seeding = await startServer(full);
  await seeding.stop();
  const db = new Database(join(full, "ubom.sqlite"), { strict: true });
  const row = db.prepare("INSERT INTO works (id, type, status, body, display, body_hash, labels, submitted_at, updated_at, attempts, result) VALUES (?, 'noop', 'succeeded', ?, ?, ?, '{}', ?, ?, 1, ?)");
  const body = JSON.stringify({ id: "x", type: "noop", executor_config: {} });
  const result = JSON.stringify({ status: "succeeded", output: null });
  db.transaction(() => {
    for (let i = 0; i < 100_000; i++) row.run(`done-${i}`, body, body, String(i), Date.now(), Date.now(), result);
  })();
  db.close();
}
const readyTimes = async (data: string) => {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await startServer(data);
    times.push(s.readyMs);
    await s.stop();
  }
  return times.sort((a, b) => a - b)[1]!;
};
const emptyReady = await readyTimes(join(dir, "data-empty"));
const fullReady = await readyTimes(full);
report({ bench: "api", metric: "readyz_ms_with_100k_finished_works_vs_empty_store", value: fullReady, unit: "ms", baseline: emptyReady }, false);
rmSync(dir, { recursive: true, force: true });
