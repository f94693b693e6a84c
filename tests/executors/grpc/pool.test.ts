/** Channel pooling: reuse across works, one channel per endpoint, closing when idle. */
import { afterAll, describe, expect, test } from "bun:test";
import { createRuntime } from "../../../src/engine/runtime.ts";
import type { GrpcExecutor } from "../../../src/executors/grpc/executor.ts";
import { startEchoServer, type TestServer } from "../../helpers/grpc-server.ts";

const ENDPOINTS = 20;
const WORKS = 5_000;
const servers: TestServer[] = [];
for (let i = 0; i < ENDPOINTS; i++) servers.push(await startEchoServer());
const runtime = await createRuntime({});
const grpc = runtime.registry.getExecutor("grpc") as GrpcExecutor;
afterAll(async () => {
  await runtime.shutdown();
  await Promise.all(servers.map((server) => server.stop()));
});

describe("grpc channel pool", () => {
  test(`${WORKS} works to ${ENDPOINTS} endpoints leave at most one channel per endpoint open`, async () => {
    let next = 0;
    const failures: string[] = [];
    // 50 works in flight at a time, round-robin over the endpoints.
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < WORKS) {
          const i = next++;
          const server = servers[i % ENDPOINTS]!;
          const result = await runtime.engine.execute({ id: `leak-${i}`, type: "grpc", executor_config: { endpoint: `127.0.0.1:${server.port}`, method: "ubom.test.v1.Echo/Say" }, input: { name: `n${i}` } });
          if (result.status !== "succeeded") failures.push(result.error?.message ?? result.status);
        }
      }),
    );
    expect(failures).toEqual([]);
    expect(grpc.pool.size).toBe(ENDPOINTS);
    expect(grpc.pool.activeCalls).toBe(0);
    expect(await grpc.healthCheck()).toMatchObject({ "grpc.channels": ENDPOINTS, "grpc.active_calls": 0, "grpc.cached_descriptors": ENDPOINTS });
  });

  test("idle channels are closed; a new work opens its channel again", async () => {
    expect(grpc.pool.closeIdle(Date.now() + 10 * 60_000)).toBe(ENDPOINTS);
    expect(grpc.pool.size).toBe(0);
    const result = await runtime.engine.execute({ id: "again", type: "grpc", executor_config: { endpoint: `127.0.0.1:${servers[0]!.port}`, method: "ubom.test.v1.Echo/Say" }, input: { name: "again" } });
    expect(result.status).toBe("succeeded");
    expect(grpc.pool.size).toBe(1);
  });

  test("a health check is an ordinary work", async () => {
    const result = await runtime.engine.execute({ id: "health", type: "grpc", executor_config: { endpoint: `127.0.0.1:${servers[0]!.port}`, method: "grpc.health.v1.Health/Check" }, input: { service: "ubom.test.v1.Echo" } });
    expect(result).toMatchObject({ status: "succeeded", output: { status: "SERVING" } });
    const unknown = await runtime.engine.execute({ id: "health2", type: "grpc", executor_config: { endpoint: `127.0.0.1:${servers[0]!.port}`, method: "grpc.health.v1.Health/Check" }, input: { service: "nope" } });
    expect(unknown.error?.code).toBe("grpc.NOT_FOUND");
  });
});
