/** Pulls from a real registry (Debian's docker-registry) on loopback, with htpasswd auth. */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRuntime } from "../../../src/engine/runtime.ts";
import { dockerCli, requireDocker, TEST_IMAGE } from "../../helpers/docker.ts";
import { freePort } from "../../helpers/free-port.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

await requireDocker();
if (Bun.spawnSync(["sh", "-c", "command -v docker-registry"]).exitCode !== 0) {
  throw new Error("the registry tests need Debian's docker-registry: apt-get install -y docker-registry (.ci/run installs it)");
}

const USER = "ubom";
const PASSWORD = "registry-pass-8080";
const dir = tempDir("ubom-registry-");
const port = freePort();
writeFileSync(join(dir, "htpasswd"), `${USER}:${await Bun.password.hash(PASSWORD, { algorithm: "bcrypt", cost: 4 })}\n`);
writeFileSync(
  join(dir, "config.yml"),
  `version: 0.1
storage:
  filesystem:
    rootdirectory: ${join(dir, "data")}
http:
  addr: 127.0.0.1:${port}
auth:
  htpasswd:
    realm: ubom-test
    path: ${join(dir, "htpasswd")}
`,
);
const registry = Bun.spawn(["docker-registry", "serve", join(dir, "config.yml")], { stdout: "ignore", stderr: "ignore" });
afterAll(() => registry.kill());
for (let i = 0; i < 100; i++) {
  const answer = await fetch(`http://127.0.0.1:${port}/v2/`).catch(() => undefined);
  if (answer?.status === 401) break;
  await Bun.sleep(100);
}

// Push the test image with the docker CLI, logged in through a throwaway client config.
const IMAGE = `127.0.0.1:${port}/ubom/busybox:1`;
const cliConfig = join(dir, "docker-cli");
for (const args of [["tag", TEST_IMAGE, IMAGE], ["--config", cliConfig, "login", "-u", USER, "-p", PASSWORD, `127.0.0.1:${port}`], ["--config", cliConfig, "push", IMAGE]]) {
  const step = dockerCli(args);
  if (step.status !== 0) throw new Error(`docker ${args[0]} failed: ${step.out}`);
}
afterAll(() => void dockerCli(["rmi", "-f", IMAGE]));

const runtime = await createRuntime({});
afterAll(() => runtime.shutdown());
const pull = (registry_auth?: Record<string, unknown>, pull_policy = "always") => {
  dockerCli(["rmi", "-f", IMAGE]);
  return runtime.engine.execute({ id: "pull", type: "docker", executor_config: { image: IMAGE, command: ["echo", "pulled"], pull_policy, registry_auth } });
};

describe("docker executor with a private registry", () => {
  test("pull_policy always pulls with the right credentials", async () => {
    const result = await pull({ username: USER, password: PASSWORD });
    expect(result).toMatchObject({ status: "succeeded", output: "pulled\n", metadata: { image_pulled: true } });
    expect(result.metadata.image_digest).toContain("@sha256:");
  });

  test("if_not_present pulls a missing image once, then uses the local copy", async () => {
    const first = await pull({ username: USER, password: PASSWORD }, "if_not_present");
    expect(first).toMatchObject({ status: "succeeded", metadata: { image_pulled: true } });
    expect(Object.keys(first.metadata.timings as object)).toContain("pull_ms");
    const second = await runtime.engine.execute({ id: "again", type: "docker", executor_config: { image: IMAGE, command: ["true"] } });
    expect(second).toMatchObject({ status: "succeeded", metadata: { image_pulled: false } });
  });

  test("a password named by an environment variable works too", async () => {
    process.env.UBOM_TEST_REGISTRY_PASSWORD = PASSWORD;
    try {
      expect((await pull({ username: USER, password: { env: "UBOM_TEST_REGISTRY_PASSWORD" } })).status).toBe("succeeded");
    } finally {
      delete process.env.UBOM_TEST_REGISTRY_PASSWORD;
    }
  });

  test("a wrong password fails as unauthorized, and the message holds no password", async () => {
    const wrong = "wrong-password-4242";
    const result = await pull({ username: USER, password: wrong });
    expect(result.error).toMatchObject({ code: "docker.pull_unauthorized", retryable: false });
    expect(result.error?.message).toContain("refused by the registry");
    expect(JSON.stringify(result)).not.toContain(wrong);
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });

  test("no credentials fail as unauthorized", async () => {
    expect((await pull()).error?.code).toBe("docker.pull_unauthorized");
  });
});
