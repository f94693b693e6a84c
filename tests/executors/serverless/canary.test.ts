/**
 * A unique canary in every credential field, errors forced on each provider, run through
 * the compiled binary: the canary appears in no result, error, log line, stdout or stderr.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildBinaryInFreshFolder, ubom } from "../../helpers/binary.ts";
import { startAzureFunctions } from "../../helpers/azure.ts";
import { startGoogleFront } from "../../helpers/gcp.ts";
import { startLambdaEndpoint } from "../../helpers/lambda-endpoint.ts";

const CANARY = `canary-${crypto.randomUUID()}`;
const lambda = startLambdaEndpoint({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" });
const azure = startAzureFunctions("the-real-key-0000");
const front = await startGoogleFront("http://127.0.0.1:1/");
const dir = await buildBinaryInFreshFolder();
afterAll(() => {
  lambda.stop();
  azure.stop();
  front.stop();
});

// The service-account key of an account the token endpoint does not know, its fields laced with the canary.
const strangerKey = { ...JSON.parse(front.strangerJson), client_email: `${CANARY}@ubom-test.iam.gserviceaccount.com`, private_key_id: CANARY };

const works: [string, Record<string, unknown>, Record<string, string>][] = [
  [
    "aws keys",
    { provider: "aws", function: "echo", region: "us-east-1", endpoint: lambda.url, credentials: { type: "aws_iam", access_key: `AKIA${CANARY}`, secret_key: `${CANARY}-secret`, session_token: `${CANARY}-token` } },
    {},
  ],
  [
    "aws keys from the environment",
    { provider: "aws", function: "echo", region: "us-east-1", endpoint: lambda.url, credentials: { type: "aws_iam", access_key: { env: "CANARY_KEY" }, secret_key: { env: "CANARY_SECRET" } } },
    { CANARY_KEY: `AKIA${CANARY}`, CANARY_SECRET: `${CANARY}-secret` },
  ],
  ["gcp service account", { provider: "gcp", url: front.functionUrl, credentials: { type: "service_account", json: JSON.stringify(strangerKey) } }, {}],
  ["azure function key", { provider: "azure", url: `${azure.url}/api/orders`, auth: { type: "function_key", key: `${CANARY}-key` } }, {}],
  ["azure bearer token", { provider: "azure", url: `${azure.url}/api/orders`, auth: { type: "bearer", token: `${CANARY}-bearer` } }, {}],
];

describe("the canary", () => {
  test.each(works)("%s: the forced error never shows the canary", async (name, executor_config, env) => {
    const file = join(dir, `${name.replace(/\W+/g, "-")}.json`);
    writeFileSync(file, JSON.stringify({ id: "canary", type: "serverless", executor_config: { ...executor_config, retry: { max_attempts: 1 } }, input: { x: 1 } }));
    const run = await ubom(dir, ["run", "--log-level", "debug", file], { env });
    expect(run.exitCode).toBe(1);
    expect(run.json().status).toBe("failed");
    expect(run.stdout + run.stderr).not.toContain(CANARY);
    const validated = await ubom(dir, ["validate", file], { env });
    expect(validated.stdout + validated.stderr).not.toContain(CANARY);
  });
});
