/**
 * Sync Lambda invocations at concurrency 64 against the SigV4-verifying endpoint on
 * loopback, in three alternating rounds (medians reported): through the serverless executor (the whole engine path), through one raw
 * LambdaClient reused, and with a new LambdaClient per call.
 *   bun run bench/serverless.ts [calls]
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { createRuntime } from "../src/engine/runtime.ts";
import { startLambdaEndpoint } from "../tests/helpers/lambda-endpoint.ts";
import { interleavedRates, ratePerSecond, report } from "./report.ts";

const CALLS = Number(process.argv[2] ?? 5_000);
const CONCURRENCY = 64;
const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const endpoint = startLambdaEndpoint(credentials);
const runtime = await createRuntime({});
const clientOptions = { region: "us-east-1", endpoint: endpoint.url, credentials, maxAttempts: 1 };

async function rawInvoke(client: LambdaClient, i: number): Promise<unknown> {
  const response = await client.send(new InvokeCommand({ FunctionName: "echo", Payload: new TextEncoder().encode(JSON.stringify({ i })) }));
  return JSON.parse(new TextDecoder().decode(response.Payload));
}


const shared = new LambdaClient(clientOptions);
const viaRaw = (i: number) => rawInvoke(shared, i);
const viaExecutor = async (i: number) => {
  const result = await runtime.engine.execute({
    id: `bench-${i}`,
    type: "serverless",
    executor_config: { provider: "aws", function: "echo", region: "us-east-1", endpoint: endpoint.url, credentials: { type: "aws_iam", access_key: credentials.accessKeyId, secret_key: credentials.secretAccessKey } },
    input: { i },
  });
  if (result.status !== "succeeded") throw new Error(`executor call failed: ${result.error?.message}`);
};
const viaNewClient = async (i: number) => {
  const client = new LambdaClient(clientOptions);
  try {
    await rawInvoke(client, i);
  } finally {
    client.destroy();
  }
};

await ratePerSecond(500, CONCURRENCY, viaRaw);
await ratePerSecond(500, CONCURRENCY, viaExecutor);

const { raw, executor, fresh } = await interleavedRates(
  { raw: { total: CALLS / 2, one: viaRaw }, executor: { total: CALLS / 2, one: viaExecutor }, fresh: { total: Math.min(CALLS, 1_000) / 2, one: viaNewClient } },
  CONCURRENCY,
);
report({ bench: "serverless", metric: "executor_invocations_per_s_vs_raw_client", value: executor, unit: "invocations/s", baseline: raw }, true);
report({ bench: "serverless", metric: "executor_invocations_per_s_vs_new_client_per_call", value: executor, unit: "invocations/s", baseline: fresh }, true);
shared.destroy();
await runtime.shutdown();
endpoint.stop();
