/** Crash recovery, graceful shutdown and concurrency limits of `ubom serve`, from the compiled binary. */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { buildBinaryInFreshFolder } from "../helpers/binary.ts";
import { stillRunningAfter } from "../helpers/processes.ts";
import { freePort, installFirstPartyPlugins, startServer, waitFinal } from "../helpers/server.ts";

const dir = await buildBinaryInFreshFolder();
installFirstPartyPlugins(dir);

async function submitAll(server: Awaited<ReturnType<typeof startServer>>, works: unknown[], parallel = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < works.length) {
        const response = await server.api("/v1/works", { method: "POST", json: works[next++] });
        if (response.status !== 202) throw new Error(`submit answered ${response.status}: ${await response.text()}`);
      }
    }),
  );
}

describe("durability", () => {
  test("kill -9 with 20 running and 1,000 queued: after a restart all 1,020 finish, only the 20 ran twice", async () => {
    const data = join(dir, "crash-data");
    const port = freePort();
    const config = { server: { concurrency: { global: 20 } } };
    const first = await startServer(dir, { data, port, config });
    const pidDir = join(dir, "crash-pids");
    await Bun.$`mkdir -p ${pidDir}`;
    const long = Array.from({ length: 20 }, (_, i) => ({
      id: `long-${i}`,
      type: "exec",
      executor_config: { command: "sh", args: ["-c", `echo $$ > ${pidDir}/${i}.$$; sleep 2`] },
      retry: { max_attempts: 2, initial_delay: "10ms" },
    }));
    const quick = Array.from({ length: 1_000 }, (_, i) => ({ id: `quick-${i}`, type: "exec", executor_config: { command: "true" }, retry: { max_attempts: 2 } }));
    await submitAll(first, long, 4);
    for (let i = 0; i < 200; i++) {
      const running = ((await (await first.api("/v1/works?status=running&limit=500")).json()) as any).works.length;
      if (running === 20) break;
      await Bun.sleep(25);
    }
    await submitAll(first, quick);
    const before = (await (await first.api("/v1/works?status=running&limit=500")).json()) as any;
    expect(before.works.map((w: { id: string }) => w.id).sort()).toEqual(long.map((w) => w.id).sort());
    await first.stop("SIGKILL");

    const second = await startServer(dir, { data, port, config });
    try {
      const statuses = new Map<string, string>();
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        let cursor: string | null = null;
        statuses.clear();
        do {
          const page = (await (await second.api(`/v1/works?limit=500${cursor ? `&cursor=${cursor}` : ""}`)).json()) as { works: { id: string; status: string }[]; next_cursor: string | null };
          for (const work of page.works) statuses.set(work.id, work.status);
          cursor = page.next_cursor;
        } while (cursor);
        if ([...statuses.values()].every((status) => status === "succeeded")) break;
        await Bun.sleep(200);
      }
      expect(statuses.size).toBe(1_020);
      expect([...statuses.values()].filter((status) => status !== "succeeded")).toEqual([]);
      for (const work of long) {
        const record = (await (await second.api(`/v1/works/${work.id}`)).json()) as any;
        expect(record.attempt_history.map((a: { status: string }) => a.status)).toEqual(["interrupted", "succeeded"]);
      }
      for (const id of ["quick-0", "quick-500", "quick-999"]) {
        expect(((await (await second.api(`/v1/works/${id}`)).json()) as any).attempt_history.map((a: { status: string }) => a.status)).toEqual(["succeeded"]);
      }
    } finally {
      await second.stop();
    }
  }, 120_000);

  test("SIGTERM with running works: they end cancelled, exit code 0, nothing left running, no child left", async () => {
    const data = join(dir, "shutdown-data");
    const server = await startServer(dir, { data, config: { server: { shutdown_grace: "500ms", concurrency: { global: 4 } } } });
    const pidDir = join(dir, "shutdown-pids");
    await Bun.$`mkdir -p ${pidDir}`;
    await submitAll(
      server,
      Array.from({ length: 4 }, (_, i) => ({ id: `stay-${i}`, type: "exec", executor_config: { command: "sh", args: ["-c", `echo $$ > ${pidDir}/${i}; sleep 60`] } })),
      4,
    );
    await submitAll(server, [{ id: "done-soon", type: "exec", executor_config: { command: "true" } }], 1);
    for (let i = 0; i < 200 && ((await (await server.api("/v1/works?status=running")).json()) as any).works.length < 4; i++) await Bun.sleep(25);
    const exitCode = await server.stop("SIGTERM");
    expect(exitCode).toBe(0);
    const db = new Database(join(data, "ubom.sqlite"), { readonly: true });
    const rows = db.query("SELECT id, status FROM works ORDER BY id").all() as { id: string; status: string }[];
    db.close();
    expect(rows.filter((row) => row.status === "running")).toEqual([]);
    expect(rows.filter((row) => row.id.startsWith("stay-")).map((row) => row.status)).toEqual(["cancelled", "cancelled", "cancelled", "cancelled"]);
    const pids = await Promise.all([0, 1, 2, 3].map(async (i) => Number((await Bun.file(join(pidDir, String(i))).text()).trim())));
    expect(await stillRunningAfter(pids, 2_000)).toEqual([]);
  });

  test("per-type concurrency 2 with 20 slow works: never more than 2 at once", async () => {
    const server = await startServer(dir, { config: { server: { concurrency: { global: 8, per_type: { exec: 2 } } } } });
    try {
      const works = Array.from({ length: 20 }, (_, i) => ({ id: `limited-${i}`, type: "exec", executor_config: { command: "sleep", args: ["0.1"] } }));
      // One at a time, so the array's order is the submission order.
      await submitAll(server, works, 1);
      const intervals: [number, number][] = [];
      for (const work of works) {
        const record = await waitFinal(server, work.id);
        expect(record.status).toBe("succeeded");
        const attempt = record.attempt_history[0];
        intervals.push([Date.parse(attempt.started_at), Date.parse(attempt.finished_at)]);
      }
      const events = intervals.flatMap(([start, end]) => [[start, 1], [end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let running = 0;
      let most = 0;
      for (const [, delta] of events) most = Math.max(most, (running += delta));
      expect(most).toBe(2);
      // Submission order is kept.
      const starts = intervals.map(([start]) => start);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
    } finally {
      await server.stop();
    }
  });
});
