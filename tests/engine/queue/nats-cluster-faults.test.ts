/**
 * Faults in a cluster of real processes: a worker killed with SIGKILL in the middle of its
 * works, and nats-server itself killed and restarted (file storage) in the middle of a run.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { buildBinaryInFreshFolder } from "../../helpers/binary.ts";
import { startApiNode, startWorker } from "../../helpers/cluster.ts";
import { startNats } from "../../helpers/nats.ts";
import { installFirstPartyPlugins, waitFinal } from "../../helpers/server.ts";

/** A slow HTTP endpoint: answers after `ms` milliseconds, and counts the answers it finished. */
const answered = new Map<string, number>();
const target = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 60,
  async fetch(request) {
    const url = new URL(request.url);
    await Bun.sleep(Number(url.searchParams.get("ms") ?? 0));
    const id = url.searchParams.get("id") ?? "";
    answered.set(id, (answered.get(id) ?? 0) + 1);
    return Response.json({ id });
  },
});
afterAll(() => target.stop(true));

function slowWork(id: string, ms: number) {
  return { id, type: "http", executor_config: { url: `http://127.0.0.1:${target.port}/slow?id=${id}&ms=${ms}` }, timeout: "60s" };
}

const dir = await buildBinaryInFreshFolder();
installFirstPartyPlugins(dir);
// A short ack_wait, so a vanished worker's works come back within seconds.
const config = { queue: { ack_wait: "2s" } };

describe("cluster faults", () => {
  test("kill -9 of a worker in the middle of 50 running works: the other worker completes every one", async () => {
    const nats = await startNats();
    const api = await startApiNode(dir, nats.url, { config });
    const doomed = await startWorker(dir, nats.url, { config, args: ["--concurrency", "60"] });
    const works = Array.from({ length: 50 }, (_, index) => slowWork(`killed-${index}`, 4_000));
    const statuses = await Promise.all(works.map((work) => api.api("/v1/works", { method: "POST", json: work }).then((response) => response.status)));
    expect(statuses.every((status) => status === 202)).toBe(true);
    for (let i = 0; i < 200; i++) {
      const running = (await (await api.api("/v1/works?status=running&limit=500")).json()).works.length;
      if (running === 50) break;
      await Bun.sleep(50);
    }
    expect((await (await api.api("/v1/works?status=running&limit=500")).json()).works).toHaveLength(50);

    const survivor = await startWorker(dir, nats.url, { config, args: ["--concurrency", "60"] });
    doomed.process.kill("SIGKILL");
    await doomed.process.exited;

    const records = await Promise.all(works.map((work) => waitFinal(api, work.id, 60_000)));
    for (const record of records) {
      expect(record.status).toBe("succeeded");
      expect(record.attempt_history.map((attempt: { status: string; worker: string }) => [attempt.status, attempt.worker])).toEqual([
        ["interrupted", doomed.name],
        ["succeeded", survivor.name],
      ]);
      expect(record.attempt_history[0].error.code).toBe("interrupted");
    }
    // The killed worker's requests never got their answers; the survivor's all did.
    for (const work of works) expect(answered.get(work.id)).toBeGreaterThanOrEqual(1);
  }, 120_000);

  test("nats-server killed and restarted mid-run with file storage: no acknowledged work is lost", async () => {
    const nats = await startNats();
    const api = await startApiNode(dir, nats.url, { config });
    await Promise.all([startWorker(dir, nats.url, { config, args: ["--concurrency", "20"] }), startWorker(dir, nats.url, { config, args: ["--concurrency", "20"] })]);

    const acknowledged: string[] = [];
    const refused: { status: number; code: string }[] = [];
    let restarted = false;
    for (let batch = 0; batch < 30; batch++) {
      if (batch === 10) {
        await nats.stop("SIGKILL");
        // Submissions while the server is down must be refused, not acknowledged.
        void Bun.sleep(1_500).then(async () => {
          await nats.start();
          restarted = true;
        });
      }
      const works = Array.from({ length: 10 }, (_, index) => slowWork(`restart-${batch}-${index}`, 300));
      await Promise.all(
        works.map(async (work) => {
          const response = await api.api("/v1/works", { method: "POST", json: work }).catch(() => undefined);
          if (response?.status === 202) acknowledged.push(work.id);
          else refused.push({ status: response?.status ?? 0, code: response ? (await response.json()).error?.code : "no answer" });
        }),
      );
      await Bun.sleep(50);
    }
    expect(restarted).toBe(true);
    expect(acknowledged.length).toBeGreaterThan(150);
    // What was refused was refused as "try again later".
    for (const refusal of refused) expect(refusal).toEqual({ status: 503, code: "queue_unavailable" });

    const records = await Promise.all(acknowledged.map((id) => waitFinal(api, id, 90_000)));
    expect(records.filter((record) => record.status !== "succeeded").map((record) => [record.id, record.status])).toEqual([]);
    for (const id of acknowledged) expect(answered.get(id)).toBeGreaterThanOrEqual(1);

    // The API node's watch of the results came back with the server: the list has every
    // acknowledged work, and ?wait= is woken by a result again.
    const listed = (await (await api.api("/v1/works?status=succeeded&limit=500")).json()).works.map((work: { id: string }) => work.id);
    expect(listed.sort()).toEqual([...acknowledged].sort());
    const waited = await api.api("/v1/works?wait=20s", { method: "POST", json: slowWork("after-restart", 0) });
    expect(waited.status).toBe(200);
    expect((await waited.json()).status).toBe("succeeded");
  }, 180_000);

  test("SIGTERM: a worker finishes what it can within its grace, hands the rest back and exits 0", async () => {
    const nats = await startNats();
    const api = await startApiNode(dir, nats.url, { config });
    const leaving = await startWorker(dir, nats.url, { config: { ...config, worker: { shutdown_grace: "1s" } }, args: ["--concurrency", "20"] });
    const quick = Array.from({ length: 5 }, (_, index) => slowWork(`quick-${index}`, 300));
    const long = Array.from({ length: 5 }, (_, index) => slowWork(`long-${index}`, 5_000));
    for (const work of [...quick, ...long]) expect((await api.api("/v1/works", { method: "POST", json: work })).status).toBe(202);
    for (let i = 0; i < 100; i++) {
      if ((await (await api.api("/v1/works?status=running&limit=500")).json()).works.length === 10) break;
      await Bun.sleep(50);
    }
    const staying = await startWorker(dir, nats.url, { config, args: ["--concurrency", "20"] });
    expect(await leaving.stop("SIGTERM")).toBe(0);
    expect(leaving.stderr()).toContain('"worker.handing_back"');

    for (const work of quick) {
      const record = await waitFinal(api, work.id, 30_000);
      expect(record.attempt_history.map((attempt: { status: string; worker: string }) => [attempt.status, attempt.worker])).toEqual([["succeeded", leaving.name]]);
    }
    for (const work of long) {
      const record = await waitFinal(api, work.id, 30_000);
      expect(record.status).toBe("succeeded");
      // Handed back at once (no ack_wait), so the second worker took it over.
      expect(record.attempt_history.map((attempt: { status: string; worker: string }) => [attempt.status, attempt.worker])).toEqual([
        ["interrupted", leaving.name],
        ["succeeded", staying.name],
      ]);
    }
  }, 120_000);

  test("a worker keeps to its concurrency limits, per type and in all", async () => {
    const nats = await startNats();
    const api = await startApiNode(dir, nats.url, { config });
    await startWorker(dir, nats.url, { config: { ...config, worker: { concurrency: { global: 5, per_type: { http: 2 } } } } });
    const http = Array.from({ length: 8 }, (_, index) => slowWork(`limited-http-${index}`, 600));
    const exec = Array.from({ length: 8 }, (_, index) => ({ id: `limited-exec-${index}`, type: "exec", executor_config: { command: "sleep", args: ["0.6"] } }));
    for (const work of [...http, ...exec]) expect((await api.api("/v1/works", { method: "POST", json: work })).status).toBe(202);
    let mostHttp = 0;
    let mostAll = 0;
    for (;;) {
      const running = (await (await api.api("/v1/works?status=running&limit=500")).json()).works as { type: string }[];
      mostHttp = Math.max(mostHttp, running.filter((work) => work.type === "http").length);
      mostAll = Math.max(mostAll, running.length);
      const done = (await (await api.api("/v1/works?status=succeeded&limit=500")).json()).works.length;
      if (done === 16) break;
      await Bun.sleep(20);
    }
    expect(mostHttp).toBe(2);
    expect(mostAll).toBe(5);
  }, 60_000);

  test("two installations share one nats-server through queue.prefix without seeing each other's works", async () => {
    const nats = await startNats();
    const alpha = { queue: { ...config.queue, prefix: "alpha" } };
    const beta = { queue: { ...config.queue, prefix: "beta" } };
    const [alphaApi, betaApi] = await Promise.all([startApiNode(dir, nats.url, { config: alpha }), startApiNode(dir, nats.url, { config: beta })]);
    await startWorker(dir, nats.url, { config: alpha });
    // Only alpha has a worker: beta's work must wait, alpha's must run.
    expect((await betaApi.api("/v1/works", { method: "POST", json: slowWork("shared-id", 0) })).status).toBe(202);
    expect((await alphaApi.api("/v1/works", { method: "POST", json: slowWork("shared-id", 0) })).status).toBe(202);
    expect((await waitFinal(alphaApi, "shared-id")).status).toBe("succeeded");
    await Bun.sleep(1_000);
    expect((await (await betaApi.api("/v1/works/shared-id")).json()).status).toBe("queued");
    expect((await (await alphaApi.api("/v1/works?limit=500")).json()).works.map((work: { id: string }) => work.id)).toEqual(["shared-id"]);
    await startWorker(dir, nats.url, { config: beta });
    expect((await waitFinal(betaApi, "shared-id")).status).toBe("succeeded");
  }, 60_000);
});
