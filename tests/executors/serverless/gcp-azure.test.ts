/** Google Cloud Functions (real functions-framework, real token path) and Azure Functions routes. */
import { afterAll, describe, expect, test } from "bun:test";
import { createRuntime } from "../../../src/engine/runtime.ts";
import { startFunction, startFunctionsApi, startGoogleFront } from "../../helpers/gcp.ts";
import { startAzureFunctions } from "../../helpers/azure.ts";

const hello = await startFunction("hello");
const front = await startGoogleFront(hello.url);
const azure = startAzureFunctions("azure-key-123456");
const runtime = await createRuntime({});
afterAll(async () => {
  await runtime.shutdown();
  hello.stop();
  front.stop();
  azure.stop();
});

const run = (executor_config: Record<string, unknown>, input?: unknown) =>
  runtime.engine.execute({ id: `fn-${Math.random().toString(36).slice(2)}`, type: "serverless", executor_config, ...(input === undefined ? {} : { input }) });

describe("serverless: Google Cloud Functions", () => {
  test("a public function with auth: false", async () => {
    const result = await run({ provider: "gcp", url: hello.url, auth: false }, { name: "ada" });
    expect(result).toMatchObject({ status: "succeeded", output: { greeting: "hello ada", method: "POST" }, metadata: { provider: "gcp", status_code: 200 } });
    expect(result.metadata.request_id).toMatch(/^exec-/);
  });

  test("a function named by project, region and name is resolved once through the Cloud Functions API", async () => {
    const name = "projects/ubom-test/locations/us-central1/functions/hello";
    const api = await startFunctionsApi({ [name]: hello.url });
    try {
      const byName = { provider: "gcp", project: "ubom-test", region: "us-central1", function: "hello", api_endpoint: api.endpoint, auth: false };
      expect(await run(byName, { name: "dee" })).toMatchObject({ status: "succeeded", output: { greeting: "hello dee" } });
      expect(await run(byName, { name: "eve" })).toMatchObject({ status: "succeeded", output: { greeting: "hello eve" } });
      expect(api.lookups).toEqual([name]);
      const missing = await run({ ...byName, function: "nope" }, {});
      expect(missing.error).toMatchObject({ code: "gcp.function_not_found", retryable: false });
      expect(missing.error?.message).toContain("functions/nope");
    } finally {
      api.stop();
    }
  });

  test("neither a url nor project, region and function is refused at validation", () => {
    expect(() => runtime.registry.validateWork({ id: "g", type: "serverless", executor_config: { provider: "gcp", project: "ubom-test" } })).toThrow(
      "executor_config.url: is required, unless project, region and function are all given",
    );
  });

  test("a work without input sends no body, which a strict JSON function accepts", async () => {
    const result = await run({ provider: "gcp", url: hello.url, auth: false });
    expect(result).toMatchObject({ status: "succeeded", output: { greeting: "hello nobody" } });
  });

  test("a private function with a Google-signed ID token for its URL, from a service-account key", async () => {
    const credentials = { type: "service_account", json: front.serviceAccountJson };
    const first = await run({ provider: "gcp", url: front.functionUrl, credentials }, { name: "bob" });
    expect(first).toMatchObject({ status: "succeeded", output: { greeting: "hello bob" } });
    const second = await run({ provider: "gcp", url: front.functionUrl, credentials }, { name: "cy" });
    expect(second.status).toBe("succeeded");
    // The ID token is cached until shortly before it expires.
    expect(front.tokenRequests).toBe(1);
    expect(JSON.stringify([first, second])).not.toContain("PRIVATE KEY");
  });

  test("without a token the function answers 401: a failure with the status and body", async () => {
    const result = await run({ provider: "gcp", url: front.functionUrl, auth: false }, {});
    expect(result.error).toMatchObject({ code: "gcp.auth_failed", retryable: false, details: { status_code: 401 } });
    expect(result.error?.message).toContain("answered 401: Unauthorized");
  });

  test("an account the token endpoint refuses fails clearly", async () => {
    const result = await run({ provider: "gcp", url: front.functionUrl, credentials: { type: "service_account", json: front.strangerJson } }, {});
    expect(result.error?.code).toBe("gcp.auth_failed");
    expect(result.error?.message).toContain("the token endpoint refused");
    expect(result.error?.message).not.toContain("stranger@");
  });
});

describe("serverless: Azure Functions", () => {
  test("the right function key", async () => {
    const result = await run({ provider: "azure", url: `${azure.url}/api/orders`, auth: { type: "function_key", key: "azure-key-123456" } }, { order: 7 });
    expect(result).toMatchObject({ status: "succeeded", output: { received: { order: 7 } }, metadata: { provider: "azure", status_code: 200 } });
    expect(result.metadata.request_id).toMatch(/^inv-/);
    expect(JSON.stringify(result)).not.toContain("azure-key-123456");
  });

  test("a wrong key is 401: a failure with the status and body", async () => {
    const result = await run({ provider: "azure", url: `${azure.url}/api/orders`, auth: { type: "function_key", key: "wrong-key-999999" } }, {});
    expect(result.error).toMatchObject({ code: "azure.auth_failed", details: { status_code: 401 } });
    expect(JSON.stringify(result)).not.toContain("wrong-key-999999");
  });

  test("a 500 is a retryable failure with the body, after its retries", async () => {
    const result = await run({ provider: "azure", url: `${azure.url}/api/broken`, auth: { type: "function_key", key: "azure-key-123456" }, retry: { max_attempts: 2, initial_delay: "10ms" } }, {});
    expect(result.error).toMatchObject({ code: "azure.http_500", retryable: true, details: { status_code: 500, body: "the function broke" } });
    expect(result.metadata.attempts).toBe(2);
  });

  test("app and function make the URL; neither url nor both is refused at validation", () => {
    const work = runtime.registry.validateWork({ id: "az", type: "serverless", executor_config: { provider: "azure", app: "orders-app", function: "place" } });
    expect(work.executor_config).toMatchObject({ method: "POST" });
    expect(() => runtime.registry.validateWork({ id: "az", type: "serverless", executor_config: { provider: "azure", app: "orders-app" } })).toThrow(
      "executor_config.url: is required, unless app and function are both given",
    );
  });

  test("an unknown provider is named as such", () => {
    expect(() => runtime.registry.validateWork({ id: "x", type: "serverless", executor_config: { provider: "ibm" } })).toThrow(
      'executor_config.provider: must be one of "aws", "gcp", "azure": got "ibm"',
    );
  });
});
