/**
 * The HTTP API of `ubom serve`, on Elysia: works, catalog, system routes, auth, the error
 * format, OpenAPI at /openapi.json and a reference page at /docs.
 */
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import type { Logger } from "../core/context.ts";
import { UbomError } from "../core/errors.ts";
import type { Runtime } from "../engine/runtime.ts";
import type { WorkQueue } from "../engine/queue/work-queue.ts";
import { VERSION } from "../version.ts";
import type { ApiTokens } from "./auth.ts";
import { catalogRoutes } from "./catalog/routes.ts";
import { errorResponse } from "./errors.ts";
import { ServerMetrics } from "./system/metrics.ts";
import { ExecutorHealth, systemRoutes } from "./system/routes.ts";
import { worksRoutes } from "./works/routes.ts";
import { WorksService } from "./works/service.ts";

export interface AppParts {
  runtime: Runtime;
  queue: WorkQueue;
  metrics: ServerMetrics;
  tokens: ApiTokens;
  logger: Logger;
  /** True once shutdown began: every request gets 503. */
  isStopping: () => boolean;
  /** Write one access log line per request (info level). */
  accessLog: boolean;
}

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function createApp(parts: AppParts) {
  const works = new WorksService(parts.queue, parts.runtime.registry);
  const health = new ExecutorHealth(parts.runtime);
  const started = new WeakMap<Request, number>();
  const app = new Elysia()
    .use(
      openapi({
        path: "/docs",
        specPath: "/openapi.json",
        documentation: { info: { title: "ubom", version: VERSION, description: "The pluggable work execution API of the UBOM Workflow Engine" } },
      }),
    )
    .onRequest(({ request }) => {
      if (parts.accessLog) started.set(request, performance.now());
      if (parts.isStopping()) return errorResponse(new UbomError("the server is shutting down", { code: "shutting_down" }));
    })
    .onBeforeHandle(({ request, path }) => {
      // /v1 needs a token when tokens are configured; a read-only token may not write. Validation writes nothing.
      if (parts.tokens.required && path.startsWith("/v1/")) {
        parts.tokens.check(request.headers.get("authorization"), WRITE_METHODS.has(request.method) && path !== "/v1/validate" ? "write" : "read");
      }
    })
    .onError(({ code, error }) => {
      if (code === "PARSE") return errorResponse(new UbomError("the body is not valid JSON", { code: "invalid_json" }));
      if (code === "NOT_FOUND") return errorResponse(new UbomError("no such route", { code: "not_found" }));
      if (code === "VALIDATION") {
        const issues = (error as { all?: { path?: string; summary?: string; message?: string }[] }).all ?? [];
        const message = `invalid request: ${issues.map((issue) => `${issue.path || "(root)"}: ${issue.summary ?? issue.message}`).join("; ")}`;
        const details = { issues: issues.map((issue) => ({ path: (issue.path ?? "").replace(/^\//, "").replace(/\//g, "."), message: issue.summary ?? issue.message })) };
        return errorResponse(new UbomError(message, { code: "validation_error", details }));
      }
      return errorResponse(error);
    })
  // Registered only when logged (hooks apply to the routes added after them): every hook costs each request something.
  if (parts.accessLog) {
    app.onAfterResponse(({ request, set }) => {
      const begun = started.get(request);
      parts.logger.info("http.request", {
        method: request.method,
        path: new URL(request.url).pathname,
        status: set.status,
        duration_ms: begun === undefined ? undefined : Math.round((performance.now() - begun) * 100) / 100,
      });
    });
  }
  return app
    .use(systemRoutes(parts.runtime, parts.queue, parts.metrics, health, parts.queue.backend === "embedded"))
    .use(worksRoutes(works, parts.queue))
    .use(catalogRoutes(parts.runtime));
}
