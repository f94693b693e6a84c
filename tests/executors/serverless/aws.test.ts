/** AWS Lambda through the real @aws-sdk/client-lambda, against a SigV4-verifying endpoint on loopback. */
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRuntime } from "../../../src/engine/runtime.ts";
import { startLambdaEndpoint } from "../../helpers/lambda-endpoint.ts";

// AWS's documented example keys, as in the spec.
const ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const endpoint = startLambdaEndpoint({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY });
const runtime = await createRuntime({});
afterAll(async () => {
  await runtime.shutdown();
  endpoint.stop();
});

const invoke = (config: Record<string, unknown>, input?: unknown, extra: Record<string, unknown> = {}) =>
  runtime.engine.execute({
    id: `aws-${Math.random().toString(36).slice(2)}`,
    type: "serverless",
    executor_config: { provider: "aws", region: "us-east-1", endpoint: endpoint.url, credentials: { type: "aws_iam", access_key: ACCESS_KEY, secret_key: SECRET_KEY }, ...config },
    ...(input === undefined ? {} : { input }),
    ...extra,
  });

describe("serverless: AWS Lambda", () => {
  test("the spec's example config validates", () => {
    expect(() =>
      runtime.registry.validateWork({
        id: "spec",
        type: "serverless",
        executor_config: { provider: "aws", function: "my-lambda-function", region: "us-east-1", credentials: { type: "aws_iam", access_key: ACCESS_KEY, secret_key: SECRET_KEY }, timeout: "30s" },
      }),
    ).not.toThrow();
  });

  test("a sync invocation returns the function's response as the output", async () => {
    const result = await invoke({ function: "echo" }, { order: 42 });
    expect(result).toMatchObject({ status: "succeeded", output: { order: 42 }, metadata: { provider: "aws", status_code: 200, executed_version: "$LATEST", attempts: 1 } });
    expect(result.metadata.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(endpoint.calls.at(-1)!.payload).toBe('{"order":42}');
  });

  test("qualifier picks the version, and log_tail returns the log with the billed duration", async () => {
    const result = await invoke({ function: "echo", qualifier: "prod", log_tail: true }, {});
    expect(endpoint.calls.at(-1)!.qualifier).toBe("prod");
    expect(result.metadata).toMatchObject({ executed_version: "prod", billed_duration_ms: 13, reported_duration_ms: 12.34 });
    expect(result.metadata.log_tail).toContain("hello from the function");
  });

  test.each([
    ["Unhandled", "unhandled", "TypeError", "Cannot read properties of undefined"],
    ["Handled", "handled", "OrderError", "bad order"],
  ])("a %s FunctionError is a failed result carrying the function's error", async (kind, name, type, message) => {
    const result = await invoke({ function: name });
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "aws.function_error", retryable: false, details: { function_error: kind, error_type: type, error_message: message } });
    expect(result.error?.message).toBe(`${name} failed (${kind}): ${type}: ${message}`);
  });

  test("async returns the request id and 202", async () => {
    const result = await invoke({ function: "echo", invocation_type: "async" }, { later: true });
    expect(result.status).toBe("succeeded");
    expect(result.output).toMatchObject({ status_code: 202 });
    expect((result.output as { request_id: string }).request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("429 twice then success: 3 attempts, the delays recorded and growing", async () => {
    const result = await invoke({ function: "throttled-a", retry: { max_attempts: 4, initial_delay: "100ms" } });
    expect(result).toMatchObject({ status: "succeeded", output: { ok: true, attempts: 3 }, metadata: { attempts: 3 } });
    const delays = result.metadata.retry_delays_ms as number[];
    expect(delays).toHaveLength(2);
    expect(delays[0]!).toBeGreaterThanOrEqual(50);
    expect(delays[0]!).toBeLessThanOrEqual(100);
    expect(delays[1]!).toBeGreaterThanOrEqual(100);
    expect(delays[1]!).toBeLessThanOrEqual(200);
  });

  test("a Retry-After hint longer than the backoff is honoured", async () => {
    const result = await invoke({ function: "hinted-a", retry: { max_attempts: 2, initial_delay: "10ms" } });
    expect(result).toMatchObject({ status: "succeeded", metadata: { attempts: 2, retry_delays_ms: [1000] } });
  });

  test("throttling that outlasts max_attempts fails as retryable", async () => {
    const result = await invoke({ function: "throttled-b", retry: { max_attempts: 2, initial_delay: "10ms" } });
    expect(result.error).toMatchObject({ code: "aws.TooManyRequestsException", retryable: true });
  });

  test("a wrong secret key is a clear auth error with no key in it", async () => {
    const wrong = "wrong-secret-key-0000000000000000000000";
    const result = await invoke({ function: "echo", credentials: { type: "aws_iam", access_key: ACCESS_KEY, secret_key: wrong } });
    expect(result.error).toMatchObject({ code: "aws.auth_failed", retryable: false });
    expect(result.error?.message).toContain("InvalidSignatureException");
    const text = JSON.stringify(result);
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(ACCESS_KEY);
    expect(text).not.toContain(SECRET_KEY);
  });

  test("credentials from the environment", async () => {
    process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = SECRET_KEY;
    try {
      expect((await invoke({ function: "echo", credentials: { type: "env" } }, 1)).status).toBe("succeeded");
    } finally {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });

  test("credentials from a named profile of the shared credentials file", async () => {
    const file = `${tmpdir()}/ubom-aws-credentials-${process.pid}`;
    writeFileSync(file, `[ubom-test]\naws_access_key_id = ${ACCESS_KEY}\naws_secret_access_key = ${SECRET_KEY}\n`);
    process.env.AWS_SHARED_CREDENTIALS_FILE = file;
    process.env.AWS_CONFIG_FILE = `${file}-config-absent`;
    try {
      expect((await invoke({ function: "echo", credentials: { type: "profile", profile: "ubom-test" } }, 2)).status).toBe("succeeded");
    } finally {
      delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      delete process.env.AWS_CONFIG_FILE;
      rmSync(file, { force: true });
    }
  });

  test("the work's timeout aborts the call: timed_out, within a second", async () => {
    const started = performance.now();
    const result = await invoke({ function: "slow" }, {}, { timeout: "300ms" });
    expect(result.status).toBe("timed_out");
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  test("a per-call timeout is a failure named for the provider", async () => {
    const result = await invoke({ function: "slow", timeout: "200ms" });
    expect(result.error).toMatchObject({ code: "aws.timeout", retryable: false });
  });

  test("one client per region, endpoint and credentials, reused", async () => {
    const before = (await runtime.builtins.find((b) => b.canExecute("serverless"))!.healthCheck())["serverless.lambda_clients"];
    await invoke({ function: "echo" }, 1);
    await invoke({ function: "echo" }, 2);
    const after = (await runtime.builtins.find((b) => b.canExecute("serverless"))!.healthCheck())["serverless.lambda_clients"];
    expect(after).toBe(before);
  });
});
