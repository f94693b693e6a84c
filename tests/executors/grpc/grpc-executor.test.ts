/** The gRPC executor against real @grpc/grpc-js servers started here. */
import { afterAll, describe, expect, test } from "bun:test";
import { WorkCancelledError, type WorkResult } from "../../../src/core/index.ts";
import { createRuntime } from "../../../src/engine/runtime.ts";
import { ECHO_PROTO, makeCertificates, PROTO_ROOT, startEchoServer } from "../../helpers/grpc-server.ts";

const server = await startEchoServer();
const certs = makeCertificates();
const tlsServer = await startEchoServer({ tls: { key: certs.serverKey, cert: certs.serverCert } });
const mtlsServer = await startEchoServer({ tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requireClientCert: true } });
const runtime = await createRuntime({});
afterAll(async () => {
  await runtime.shutdown();
  await Promise.all([server.stop(), tlsServer.stop(), mtlsServer.stop()]);
  certs.cleanup();
});

let counter = 0;
function call(executor_config: Record<string, unknown>, input?: unknown, extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<WorkResult> {
  counter += 1;
  return runtime.engine.execute(
    { id: `grpc-${counter}`, type: "grpc", executor_config: { endpoint: `127.0.0.1:${server.port}`, ...executor_config }, ...(input === undefined ? {} : { input }), ...extra },
    { signal },
  );
}
const protoFiles = { files: [ECHO_PROTO], import_paths: [PROTO_ROOT] };

describe("grpc executor", () => {
  test("the spec's example config validates", () => {
    const work = runtime.registry.validateWork({
      id: "spec",
      type: "grpc",
      executor_config: { endpoint: "api.example.com:443", method: "myservice.MyService/ProcessData", tls: { enabled: true }, metadata: { authorization: "Bearer token123" }, retry: { max_attempts: 3, initial_delay: "1s" } },
    });
    expect(work.executor_config).toMatchObject({ retry: { max_attempts: 3, initial_delay: "1s", retryable_codes: ["UNAVAILABLE", "RESOURCE_EXHAUSTED", "ABORTED"] } });
  });

  test("a unary call by reflection, with no proto files: 64-bit integers as strings, enums as names, defaults included", async () => {
    const result = await call({ method: "ubom.test.v1.Echo/Say" }, { name: "ada" });
    expect(result.status).toBe("succeeded");
    expect(result.output).toEqual({ message: "hello ada", meta: { big: "9007199254740993", color: "GREEN", tags: [], counts: {} }, seen_metadata: "", flag: false });
    expect(result.metadata).toMatchObject({ grpc_status: { code: 0, name: "OK" }, call_attempts: 1 });
  });

  test("a unary call by proto files with imports", async () => {
    const result = await call({ method: "ubom.test.v1.Echo/Say", proto: protoFiles }, { name: "bob", meta: { big: "123456789012345678", color: "RED", tags: ["x"], counts: { a: 1 } } });
    expect(result.output).toMatchObject({ message: "hello bob", meta: { big: "123456789012345678", color: "RED", tags: ["x"], counts: { a: 1 } } });
  });

  test("metadata goes out, and response headers and trailers come back", async () => {
    const result = await call({ method: "ubom.test.v1.Echo/Say", metadata: { "x-request-id": "req-42" } }, { name: "md" });
    expect(result.output).toMatchObject({ seen_metadata: "req-42" });
    expect(result.metadata).toMatchObject({ headers: { "x-server": ["ubom-test"] }, trailers: { "x-trailer": ["done"] } });
  });

  test("a secret metadata value reaches the server and never the result or logs", async () => {
    process.env.UBOM_TEST_GRPC_TOKEN = "grpc-secret-777";
    try {
      const lines: string[] = [];
      const result = await runtime.engine.execute(
        { id: "secret", type: "grpc", executor_config: { endpoint: `127.0.0.1:${server.port}`, method: "ubom.test.v1.Echo/Say", metadata: { "x-request-id": { env: "UBOM_TEST_GRPC_TOKEN" } } }, input: { name: "s" } },
        { onLog: (line) => lines.push(line.line) },
      );
      expect(server.log.metadata.at(-1)!["x-request-id"]).toBe("grpc-secret-777");
      expect(result.output).toMatchObject({ seen_metadata: "********" });
      expect(JSON.stringify([result, lines])).not.toContain("grpc-secret-777");
    } finally {
      delete process.env.UBOM_TEST_GRPC_TOKEN;
    }
  });

  test("a server stream is collected into an array and streamed live", async () => {
    const lines: string[] = [];
    const result = await runtime.engine.execute(
      { id: "stream", type: "grpc", executor_config: { endpoint: `127.0.0.1:${server.port}`, method: "ubom.test.v1.Echo/Count" }, input: { to: 5 } },
      { onLog: (line) => lines.push(line.line) },
    );
    expect(result.output).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    expect(lines).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}', '{"n":5}']);
    const capped = await call({ method: "ubom.test.v1.Echo/Count", max_stream_messages: 2 }, { to: 5 });
    expect(capped).toMatchObject({ output: [{ n: 1 }, { n: 2 }], metadata: { messages: 2, messages_truncated: true } });
  });

  test("a per-call timeout ends in DEADLINE_EXCEEDED", async () => {
    const result = await call({ method: "ubom.test.v1.Echo/Slow", timeout: "200ms" }, { delay_ms: 5_000 });
    expect(result.error).toMatchObject({ code: "grpc.DEADLINE_EXCEEDED", retryable: false });
    expect(result.metadata.grpc_status).toEqual({ code: 4, name: "DEADLINE_EXCEEDED" });
  });

  test("the work's timeout cancels the call: timed_out", async () => {
    const result = await call({ method: "ubom.test.v1.Echo/Slow" }, { delay_ms: 10_000 }, { timeout: "300ms" });
    expect(result.status).toBe("timed_out");
    expect(result.error?.details?.executor_stopped).toBe(true);
  });

  test("a cancel cancels the call", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new WorkCancelledError("test")), 200);
    const result = await call({ method: "ubom.test.v1.Echo/Count" }, { to: 1_000, delay_ms: 50 }, {}, controller.signal);
    expect(result.status).toBe("cancelled");
  });

  test("UNAVAILABLE twice then success: 3 attempts, growing delays", async () => {
    const result = await call(
      { method: "ubom.test.v1.Echo/Flaky", retry: { max_attempts: 5, initial_delay: "100ms", multiplier: 3 } },
      { key: "twice", fail_times: 2 },
    );
    expect(result).toMatchObject({ status: "succeeded", output: { message: "ok after 3" }, metadata: { call_attempts: 3 } });
    const delays = result.metadata.retry_delays_ms as number[];
    expect(delays).toHaveLength(2);
    // Equal jitter: the n-th delay lies in [d/2, d] with d = 100ms * 3^(n-1), so they grow.
    expect(delays[0]!).toBeGreaterThanOrEqual(50);
    expect(delays[0]!).toBeLessThanOrEqual(100);
    expect(delays[1]!).toBeGreaterThanOrEqual(150);
    expect(delays[1]!).toBeLessThanOrEqual(300);
    const times = server.log.flakyCalls.get("twice")!;
    expect(times).toHaveLength(3);
    expect(times[2]! - times[1]!).toBeGreaterThan(times[1]! - times[0]!);
  });

  test("a code outside retryable_codes is not retried", async () => {
    const result = await call({ method: "ubom.test.v1.Echo/Flaky", retry: { max_attempts: 5, initial_delay: "10ms" } }, { key: "invalid", fail_times: 9, code: 3 });
    expect(result).toMatchObject({ status: "failed", error: { code: "grpc.INVALID_ARGUMENT", retryable: false }, metadata: { call_attempts: 1 } });
    expect(server.log.flakyCalls.get("invalid")).toHaveLength(1);
  });

  test("TLS with the server's CA", async () => {
    const result = await call({ endpoint: `localhost:${tlsServer.port}`, method: "ubom.test.v1.Echo/Say", tls: { enabled: true, ca_cert: certs.ca.toString() } }, { name: "tls" });
    expect(result).toMatchObject({ status: "succeeded", output: { message: "hello tls" } });
  });

  test("mutual TLS with a client certificate, its key named as a file secret", async () => {
    const result = await call(
      {
        endpoint: `127.0.0.1:${mtlsServer.port}`,
        method: "ubom.test.v1.Echo/Say",
        tls: { enabled: true, ca_cert: `${certs.dir}/ca.pem`, client_cert: `${certs.dir}/client.pem`, client_key: { file: `${certs.dir}/client.key` } },
      },
      { name: "mtls" },
    );
    expect(result).toMatchObject({ status: "succeeded", output: { message: "hello mtls" } });
    expect(JSON.stringify(result)).not.toContain("PRIVATE KEY");
    const anonymous = await call({ endpoint: `127.0.0.1:${mtlsServer.port}`, method: "ubom.test.v1.Echo/Say", tls: { enabled: true, ca_cert: certs.ca.toString() } }, { name: "x" });
    expect(anonymous.status).toBe("failed");
  });

  test("a wrong CA fails clearly, as UNAVAILABLE naming the certificate problem", async () => {
    const result = await call({ endpoint: `localhost:${tlsServer.port}`, method: "ubom.test.v1.Echo/Say", tls: { enabled: true, ca_cert: certs.otherCa.toString() }, proto: protoFiles, reflection: false }, { name: "x" });
    expect(result.error?.code).toBe("grpc.UNAVAILABLE");
    expect(result.error?.message).toMatch(/certificate/i);
  });

  test("a missing import is named, with the paths searched", async () => {
    const result = await call({ method: "ubom.test.v1.Broken/Do", proto: { files: ["ubom/test/v1/broken.proto"], import_paths: [PROTO_ROOT] } }, {});
    expect(result).toMatchObject({ status: "failed", attempts: 0, error: { code: "validation_error" } });
    expect(result.error?.message).toContain("cannot find ubom/missing/nowhere.proto (imported by");
    expect(result.error?.message).toContain(`searched ${PROTO_ROOT}/ubom/missing/nowhere.proto`);
  });

  test.each([
    ["an unknown field", { nmae: "typo" }, "input.nmae", "is not a field of ubom.test.v1.SayRequest"],
    ["a string for an int32", { times: "many" }, "input.times", 'must be a 32-bit integer (int32 field times): got "many"'],
    ["an unknown enum name", { meta: { color: "PURPLE" } }, "input.meta.color", "must be one of COLOR_UNSPECIFIED, RED, GREEN"],
    ["two members of a oneof", { email: "a@b.c", phone: "1" }, "input.phone", "both belong to oneof target"],
    ["a repeated field given a string", { meta: { tags: "x" } }, "input.meta.tags", "must be an array"],
  ])("%s in the input is caught before the call, with its path", async (_name, input, path, message) => {
    const before = server.log.metadata.length;
    for (const config of [{ method: "ubom.test.v1.Echo/Say", proto: protoFiles, reflection: false }, { method: "ubom.test.v1.Echo/Say" }]) {
      const result = await call(config, input);
      expect(result.error?.code).toBe("validation_error");
      const issue = (result.error?.details?.issues as { path: string; message: string }[]).find((i) => i.path === path);
      expect(issue?.message).toContain(message);
    }
    expect(server.log.metadata.length).toBe(before);
  });

  test("client- and bidi-streaming methods are refused with a clear message", async () => {
    for (const [method, kind] of [["Upload", "client-streaming"], ["Chat", "bidi-streaming"]]) {
      const result = await call({ method: `ubom.test.v1.Echo/${method}`, proto: protoFiles, reflection: false }, {});
      expect(result.error?.message).toContain(`ubom.test.v1.Echo/${method} is ${kind}; only unary and server-streaming methods can run as works`);
    }
  });

  test("reflection falls back to proto files when the server has none", async () => {
    const bare = await startEchoServer({ reflection: false });
    try {
      const reflectOnly = await call({ endpoint: `127.0.0.1:${bare.port}`, method: "ubom.test.v1.Echo/Say" }, { name: "x" });
      expect(reflectOnly.error?.code).toBe("grpc.reflection_unavailable");
      const both = await call({ endpoint: `127.0.0.1:${bare.port}`, method: "ubom.test.v1.Echo/Say", reflection: true, proto: protoFiles }, { name: "fallback" });
      expect(both).toMatchObject({ status: "succeeded", output: { message: "hello fallback" } });
    } finally {
      await bare.stop();
    }
  });

  test("max_message_bytes bounds what a call may send", async () => {
    const result = await call({ method: "ubom.test.v1.Echo/Say", max_message_bytes: 1024 }, { name: "x".repeat(5_000) });
    expect(result.error?.code).toBe("grpc.RESOURCE_EXHAUSTED");
    const fine = await call({ method: "ubom.test.v1.Echo/Say", max_message_bytes: 1024 }, { name: "short" });
    expect(fine.status).toBe("succeeded");
  });

  test("an unreachable endpoint is a retryable UNAVAILABLE", async () => {
    const result = await call({ endpoint: "127.0.0.1:1", method: "ubom.test.v1.Echo/Say", proto: protoFiles, reflection: false, timeout: "2s" }, {});
    expect(result.error).toMatchObject({ code: "grpc.UNAVAILABLE", retryable: true });
  });
});
