/** /v1/works: submit, read, list, cancel, logs (with live Server-Sent Events). */
import { Elysia, t } from "elysia";
import { parseDuration } from "../../core/duration.ts";
import type { LogLine } from "../../core/result.ts";
import type { WorkScheduler } from "../../engine/scheduler.ts";
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

export function worksRoutes(works: WorksService, scheduler: WorkScheduler) {
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
        if (!isFinal(row.status)) await scheduler.waitFor(row.id, wait);
        const current = works.get(row.id);
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
    .get("/:id", ({ params }) => ({ ...toRecord(works.get(params.id)), attempt_history: works.attempts(params.id) }), {
      params: t.Object({ id: t.String() }),
      detail: { summary: "A work, its result and its attempts", tags: ["works"] },
    })
    .delete("/:id", ({ params }) => toRecord(works.cancel(params.id)), {
      params: t.Object({ id: t.String() }),
      detail: { summary: "Cancel a work", tags: ["works"] },
    })
    .get(
      "/:id/logs",
      ({ params, headers }) => {
        const row = works.get(params.id);
        const stored = (): LogLine[] => (row.result ? JSON.parse(row.result).logs.lines : []);
        if (!(headers.accept ?? "").includes("text/event-stream")) {
          const live = scheduler.follow(params.id, () => {});
          live?.stop();
          return { id: row.id, status: row.status, lines: live ? live.lines : stored() };
        }
        const encoder = new TextEncoder();
        let stop = () => {};
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            const send = (event: string, data: unknown) => controller.enqueue(encoder.encode(sseEvent(event, data)));
            const end = () => {
              send("end", { id: row.id, status: works.get(row.id).status });
              controller.close();
            };
            const live = scheduler.follow(row.id, (line) => {
              // The scheduler sends an empty system line when the work ends.
              if (line.stream === "system" && line.line === "") {
                live?.stop();
                end();
              } else send("log", line);
            });
            if (!live) {
              for (const line of stored()) send("log", line);
              end();
              return;
            }
            for (const line of live.lines) send("log", line);
            stop = live.stop;
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
