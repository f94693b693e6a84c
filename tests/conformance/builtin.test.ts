/** The conformance suite over the built-in executors, against their real backends. */
import { afterAll } from "bun:test";
import { runConformance } from "../../src/conformance/index.ts";
import { createRuntime } from "../../src/engine/runtime.ts";
import { describeConformance } from "../helpers/conformance.ts";
import { requireDocker, TEST_IMAGE } from "../helpers/docker.ts";
import { startEchoServer } from "../helpers/grpc-server.ts";
import { startAzureFunctions } from "../helpers/azure.ts";
import { startFunction } from "../helpers/gcp.ts";
import { startLambdaEndpoint } from "../helpers/lambda-endpoint.ts";

await requireDocker();
const runtime = await createRuntime({});
afterAll(() => runtime.shutdown());

// The executor's own examples name busybox from Docker Hub; here the image is built locally.
describeConformance("docker", () =>
  runConformance(runtime.registry.getExecutor("docker"), {
    examples: [
      { name: "hello", executor_config: { image: TEST_IMAGE, command: ["echo", "hello"] } },
      { name: "json", executor_config: { image: TEST_IMAGE, command: ["cat"], stdin: true, output: "json" }, input: { a: 1 } },
      { name: "exit 3", executor_config: { image: TEST_IMAGE, command: ["sh", "-c", "exit 3"] }, expect: "failed" },
      { name: "runs until stopped", executor_config: { image: TEST_IMAGE, command: ["sh", "-c", "trap 'exit 143' TERM; sleep 600 & wait"], stop_grace: "5s" }, runs_until_stopped: true },
    ],
  }),
);

const grpcServer = await startEchoServer();
afterAll(() => grpcServer.stop());
const endpoint = `127.0.0.1:${grpcServer.port}`;
describeConformance("grpc", () =>
  runConformance(runtime.registry.getExecutor("grpc"), {
    examples: [
      { name: "unary", executor_config: { endpoint, method: "ubom.test.v1.Echo/Say" }, input: { name: "conformance" } },
      { name: "server stream", executor_config: { endpoint, method: "ubom.test.v1.Echo/Count" }, input: { to: 3 } },
      { name: "not found", executor_config: { endpoint, method: "grpc.health.v1.Health/Check" }, input: { service: "nope" }, expect: "failed" },
      { name: "slow", executor_config: { endpoint, method: "ubom.test.v1.Echo/Slow" }, input: { delay_ms: 600_000 }, runs_until_stopped: true },
    ],
  }),
);

const ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const lambda = startLambdaEndpoint({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY });
const gcpHello = await startFunction("hello");
const gcpSlow = await startFunction("slow");
const azure = startAzureFunctions("conformance-key");
afterAll(() => {
  lambda.stop();
  gcpHello.stop();
  gcpSlow.stop();
  azure.stop();
});
const aws = { provider: "aws", region: "us-east-1", endpoint: lambda.url, credentials: { type: "aws_iam", access_key: ACCESS_KEY, secret_key: SECRET_KEY } };
const azureAuth = { provider: "azure", auth: { type: "function_key", key: "conformance-key" }, retry: { max_attempts: 1 } };
const serverless = () => runtime.registry.getExecutor("serverless");

describeConformance("serverless (aws)", () =>
  runConformance(serverless(), {
    examples: [
      { name: "echo", executor_config: { ...aws, function: "echo" }, input: { a: 1 } },
      { name: "function error", executor_config: { ...aws, function: "unhandled" }, expect: "failed" },
      { name: "slow", executor_config: { ...aws, function: "slow" }, runs_until_stopped: true },
    ],
  }),
);
describeConformance("serverless (gcp)", () =>
  runConformance(serverless(), {
    examples: [
      { name: "hello", executor_config: { provider: "gcp", url: gcpHello.url, auth: false }, input: { name: "c" } },
      { name: "slow", executor_config: { provider: "gcp", url: gcpSlow.url, auth: false }, runs_until_stopped: true },
    ],
  }),
);
describeConformance("serverless (azure)", () =>
  runConformance(serverless(), {
    examples: [
      { name: "orders", executor_config: { ...azureAuth, url: `${azure.url}/api/orders` }, input: { o: 1 } },
      { name: "broken", executor_config: { ...azureAuth, url: `${azure.url}/api/broken` }, expect: "failed" },
      { name: "slow", executor_config: { ...azureAuth, url: `${azure.url}/api/slow` }, runs_until_stopped: true },
    ],
  }),
);
