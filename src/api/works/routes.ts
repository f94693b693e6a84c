/** /v1/works: submit, read, list, cancel, logs (with live Server-Sent Events). */
import { Elysia, t } from "elysia";
import { parseDuration } from "../../core/duration.ts";
import type { LogLine } from "../../core/result.ts";
import { isEndOfLog, type WorkQueue } from "../../engine/queue/work-queue.ts";
import { fail } from "../errors.ts";
import { isFinal, toRecord, type WorksService } from "./service.ts";

const MAX_WAIT_MS = 5 * 60_000;

function waitMs(wait: string | undefined): number | undefined {
  if (wait === undefined) return undefined;
  try {
    return Math.min(parseDuration(wait, "wait"), MAX_WAIT_MS);
  } catch {
    return fail("validation_error", `wait must be a duration like 30s: got ${JSON.stringify(wait)}`, { issues: [{ path: "wait", message: "must be a duration" }] });
  }
}

function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function worksRoutes(works: WorksService, queue: WorkQueue) {
  return new Elysia({ prefix: "/v1/works" })
    .post(
      "/",
      async ({ body, query, headers, set }) => {
        const { row, created } = await works.submit(body, headers["idempotency-key"]);
        const wait = waitMs(query.wait);
        if (wait === undefined) {
          set.status = created ? 202 : 200;
          return toRecord(row);
        }
        if (!isFinal(row.status)) await queue.waitFor(row.id, wait);
        const current = await works.get(row.id);
        set.status = isFinal(current.status) ? 200 : 202;
        return toRecord(current);
      },
      {
        body: t.Unknown({ description: "A work: { id, type, executor_config, input, timeout, retry, labels }" }),
        query: t.Object({ wait: t.Optional(t.String({ description: "Wait up to this long for the result, e.g. 30s" })) }),
        detail: { summary: "Submit a work", tags: ["works"] },
      },
    )
    .get("/", ({ query }) => works.list({ ...query, limit: query.limit === undefined ? undefined : Number(query.limit) }), {
      query: t.Object({
        status: t.Optional(t.String()),
        type: t.Optional(t.String()),
        label: t.Optional(t.String({ description: "key=value" })),
        limit: t.Optional(t.Numeric({ minimum: 1, maximum: 500 })),
        cursor: t.Optional(t.String()),
      }),
      detail: { summary: "List works, newest first", tags: ["works"] },
    })
    .get("/:id", async ({ params }) => ({ ...toRecord(await works.get(params.id)), attempt_history: await works.attempts(params.id) }), {
      params: t.Object({ id: t.String() }),
      detail: { summary: "A work, its result and its attempts", tags: ["works"] },
    })
    .delete("/:id", async ({ params }) => toRecord(await works.cancel(params.id)), {
      params: t.Object({ id: t.String() }),
      detail: { summary: "Cancel a work", tags: ["works"] },
    })
    .get(
      "/:id/logs",
      async ({ params, headers }) => {
        const row = await works.get(params.id);
        const stored = (): LogLine[] => (row.result ? JSON.parse(row.result).logs.lines : []);
        if (!(headers.accept ?? "").includes("text/event-stream")) {
          const live = await queue.follow(params.id, () => {});
          live?.stop();
          return { id: row.id, status: row.status, lines: live ? live.lines : stored() };
        }
        const encoder = new TextEncoder();
        let stop = () => {};
        let ended = false;
        const stream = new ReadableStream<Uint8Array>({
          async start(controller) {
            const send = (event: string, data: unknown) => {
              if (!ended) controller.enqueue(encoder.encode(sseEvent(event, data)));
            };
            const end = async () => {
              if (ended) return;
              const status = (await works.get(row.id)).status;
              send("end", { id: row.id, status });
              ended = true;
              controller.close();
            };
            // Lines that arrive while the first ones are being read wait their turn.
            const early: LogLine[] = [];
            let started = false;
            const live = await queue.follow(row.id, (line) => {
              if (!started) early.push(line);
              else if (isEndOfLog(line)) {
                live?.stop();
                void end();
              } else send("log", line);
            });
            if (!live) {
              for (const line of stored()) send("log", line);
              await end();
              return;
            }
            for (const line of live.lines) send("log", line);
            stop = live.stop;
            started = true;
            for (const line of early) {
              if (isEndOfLog(line)) {
                live.stop();
                return end();
              }
              send("log", line);
            }
          },
          cancel() {
            stop();
          },
        });
        return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
      },
      { params: t.Object({ id: t.String() }), detail: { summary: "A work's log lines; live as Server-Sent Events with Accept: text/event-stream", tags: ["works"] } },
    );
}
