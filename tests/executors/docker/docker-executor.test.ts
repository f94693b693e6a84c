/** The Docker executor against the real daemon, with a locally built image. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WorkCancelledError, type WorkResult } from "../../../src/core/index.ts";
import { createRuntime } from "../../../src/engine/runtime.ts";
import { containersWithLabel, dockerCli, eventually, requireDocker, TEST_IMAGE } from "../../helpers/docker.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

await requireDocker();
const shared = tempDir("ubom-docker-vol-");
const outside = tempDir("ubom-docker-outside-");
writeFileSync(join(shared, "hello.txt"), "from the host\n");
writeFileSync(join(outside, "secret.txt"), "keep out\n");
mkdirSync(join(shared, "links"));
symlinkSync(outside, join(shared, "links", "escape"));

const runtime = await createRuntime({ config: { executors: { docker: { allowed_volume_prefixes: [shared] } } } });
afterAll(() => runtime.shutdown());

let counter = 0;
function run(executor_config: Record<string, unknown>, extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<WorkResult> {
  counter += 1;
  return runtime.engine.execute({ id: `docker-test-${process.pid}-${counter}`, type: "docker", executor_config: { image: TEST_IMAGE, ...executor_config }, ...extra }, { signal });
}

describe("docker executor", () => {
  test("the spec's example config runs (with a local image) and the container is removed", async () => {
    const result = await run({
      command: ["sh", "-c", 'echo "$ENV_VAR"; ls /container/path'],
      environment: { ENV_VAR: "value" },
      volumes: [{ source: shared, target: "/container/path", read_only: true }],
      resources: { cpu_limit: "1.0", memory_limit: "512m" },
    });
    expect(result.status).toBe("succeeded");
    expect(result.output).toBe("value\nhello.txt\nlinks\n");
    expect(result.metadata).toMatchObject({ exit_code: 0, oom_killed: false, removed: true, image: TEST_IMAGE });
    expect(result.metadata.image_id).toMatch(/^sha256:/);
    expect(Object.keys(result.metadata.timings as object).sort()).toEqual(["create_ms", "remove_ms", "run_ms", "start_ms"]);
    expect(result.metadata.image_pulled).toBe(false);
    expect(containersWithLabel(`ubom.work_id=${result.work_id}`)).toEqual([]);
  });

  test("stdin gets the input as JSON, and json output is parsed", async () => {
    const result = await run({ command: ["cat"], stdin: true, output: "json" }, { input: { order: 7, items: ["a", "b"] } });
    expect(result).toMatchObject({ status: "succeeded", output: { order: 7, items: ["a", "b"] } });
  });

  test("stdout and stderr are demultiplexed and streamed as log lines", async () => {
    const result = await run({ command: ["sh", "-c", "echo out1; echo err1 >&2; echo out2"] });
    expect(result.output).toBe("out1\nout2\n");
    expect(result.logs.lines.map((line) => `${line.stream}:${line.line}`)).toEqual(expect.arrayContaining(["stdout:out1", "stderr:err1", "stdout:out2"]));
  });

  test("json output that is not JSON names its first bytes", async () => {
    const result = await run({ command: ["echo", "not json"], output: "json" });
    expect(result.error).toMatchObject({ code: "docker.invalid_json", message: expect.stringContaining('it starts with "not json"') });
  });

  test("a file output is copied out of the container after it exits", async () => {
    const result = await run({ command: ["sh", "-c", 'echo \'{"done":true}\' > /tmp/result.json'], output: { file: "/tmp/result.json" } });
    expect(result).toMatchObject({ status: "succeeded", output: '{"done":true}\n' });
    const missing = await run({ command: ["true"], output: { file: "/tmp/nothing" } });
    expect(missing.error?.code).toBe("docker.output_file_missing");
  });

  test("a non-zero exit fails with the exit code", async () => {
    const result = await run({ command: ["sh", "-c", "echo partial; exit 7"] });
    expect(result).toMatchObject({ status: "failed", output: "partial\n", error: { code: "docker.exit_code", retryable: false, details: { exit_code: 7 } }, metadata: { exit_code: 7 } });
  });

  test("running out of memory is oom_killed", async () => {
    const result = await run({ command: ["sh", "-c", "head -c 100000000 /dev/zero | tail > /dev/null"], resources: { memory_limit: "8m" } });
    expect(result).toMatchObject({ status: "failed", error: { code: "oom_killed" }, metadata: { oom_killed: true } });
  });

  test("limits and security options are applied, as docker inspect shows", async () => {
    const running = run({ command: ["sleep", "600"], resources: { cpu_limit: "0.5", memory_limit: "64m", pids_limit: 32 }, read_only_rootfs: true, stop_grace: "1s" }, { timeout: "20s" });
    const workId = `docker-test-${process.pid}-${counter}`;
    expect(await eventually(() => containersWithLabel(`ubom.work_id=${workId}`).length === 1, 10_000)).toBe(true);
    const [id] = containersWithLabel(`ubom.work_id=${workId}`);
    const host = JSON.parse(dockerCli(["inspect", "--format", "{{json .HostConfig}}", id!]).out);
    expect(host).toMatchObject({
      NanoCpus: 500_000_000,
      Memory: 64 * 1024 * 1024,
      MemorySwap: 64 * 1024 * 1024,
      PidsLimit: 32,
      Privileged: false,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      ReadonlyRootfs: true,
      NetworkMode: "bridge",
    });
    const labels = JSON.parse(dockerCli(["inspect", "--format", "{{json .Config.Labels}}", id!]).out);
    expect(labels["ubom.owner"]).toMatch(new RegExp(`/${process.pid}/\\d+$`));
    dockerCli(["kill", id!]);
    expect((await running).status).toBe("failed");
  });

  test("with a read-only root, a tmpfs mount is still writable", async () => {
    const result = await run({ command: ["sh", "-c", "echo x > /scratch/f && cat /scratch/f; echo y > /etc/f || echo refused"], read_only_rootfs: true, tmpfs: { "/scratch": "size=1m" } });
    expect(result).toMatchObject({ status: "succeeded", output: "x\nrefused\n" });
  });

  test("capabilities are all dropped unless the executor config allows some", async () => {
    const capabilities = () => "grep CapEff /proc/self/status";
    const none = await run({ command: ["sh", "-c", capabilities()] });
    expect(none.output).toBe("CapEff:\t0000000000000000\n");
    const permissive = await createRuntime({ config: { executors: { docker: { allowed_capabilities: ["CHOWN"] } } } });
    const some = await permissive.engine.execute({ id: "caps", type: "docker", executor_config: { image: TEST_IMAGE, command: ["sh", "-c", capabilities()] } });
    await permissive.shutdown();
    // CAP_CHOWN is bit 0.
    expect(some.output).toBe("CapEff:\t0000000000000001\n");
  });

  test("a volume outside the allow-list, or escaping it through a symlink, is refused before anything runs", async () => {
    for (const source of [outside, join(shared, "links", "escape"), join(shared, "..", outside.split("/").pop()!)]) {
      const result = await run({ command: ["cat", "/data/secret.txt"], volumes: [{ source, target: "/data" }] });
      expect(result).toMatchObject({ status: "failed", attempts: 0, error: { code: "validation_error" } });
      expect(result.error?.message).toContain("executor_config.volumes[0].source: must lie under an allowed folder");
    }
  });

  test.each([
    ["cancel", "cancelled"],
    ["timeout", "timed_out"],
  ])("%s of sleep 600 ends %s and the container is gone within stop_grace + 2s", async (how, status) => {
    const controller = new AbortController();
    const started = performance.now();
    const running = run({ command: ["sleep", "600"], stop_grace: "1s" }, how === "timeout" ? { timeout: "1s" } : {}, controller.signal);
    const workId = `docker-test-${process.pid}-${counter}`;
    if (how === "cancel") {
      await eventually(() => containersWithLabel(`ubom.work_id=${workId}`).length === 1, 10_000);
      controller.abort(new WorkCancelledError("test"));
    }
    const stopAt = performance.now();
    const result = await running;
    expect(result.status).toBe(status as WorkResult["status"]);
    // busybox sleep as PID 1 ignores SIGTERM: the stop needed SIGKILL after stop_grace.
    expect(result.metadata).toMatchObject({ stopped_with: "SIGKILL", removed: true });
    expect(performance.now() - (how === "timeout" ? started + 1_000 : stopAt)).toBeLessThan(1_000 + 2_000);
    expect(containersWithLabel(`ubom.work_id=${workId}`)).toEqual([]);
  });

  test("a container that handles SIGTERM stops without SIGKILL", async () => {
    const controller = new AbortController();
    const running = run({ command: ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"], stop_grace: "5s" }, {}, controller.signal);
    await eventually(() => containersWithLabel(`ubom.work_id=docker-test-${process.pid}-${counter}`).length === 1, 10_000);
    await Bun.sleep(300);
    controller.abort(new WorkCancelledError("test"));
    const result = await running;
    expect(result).toMatchObject({ status: "cancelled", metadata: { stopped_with: "SIGTERM" } });
  });

  test("an environment secret reaches the container and never the result", async () => {
    process.env.UBOM_TEST_DOCKER_SECRET = "docker-secret-31337";
    try {
      const result = await run({ command: ["sh", "-c", 'echo "token=$TOKEN"'], environment: { TOKEN: { env: "UBOM_TEST_DOCKER_SECRET" } } });
      expect(result.output).toBe("token=********\n");
      expect(JSON.stringify(result)).not.toContain("docker-secret-31337");
    } finally {
      delete process.env.UBOM_TEST_DOCKER_SECRET;
    }
  });

  test("an image missing under pull_policy never is a clear non-retryable error", async () => {
    const result = await run({ image: "ubom-test/not-there:1", pull_policy: "never" });
    expect(result.error).toMatchObject({
      code: "docker.image_not_found",
      retryable: false,
      message: 'image ubom-test/not-there:1 is not present on the Docker host, and pull_policy is "never"',
    });
  });

  test("a pull that makes no progress fails after pull_stall_timeout, not at the work's deadline", async () => {
    // A registry on loopback that answers the version check and then never sends a manifest.
    const stalled = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(request) {
        if (new URL(request.url).pathname === "/v2/") return Response.json({});
        await Bun.sleep(30_000);
        return new Response("too late", { status: 500 });
      },
    });
    const impatient = await createRuntime({ config: { executors: { docker: { pull_stall_timeout: "1s" } } } });
    try {
      const started = performance.now();
      const result = await impatient.engine.execute(
        { id: "stall", type: "docker", executor_config: { image: `127.0.0.1:${stalled.port}/stalled/image:1`, pull_policy: "always" }, timeout: "60s" },
      );
      expect(result.error).toMatchObject({ code: "docker.pull_stalled", retryable: true });
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      await impatient.shutdown();
      stalled.stop(true);
    }
  });

  test("an unreachable daemon is a retryable error, and unhealthy", async () => {
    const offline = await createRuntime({ config: { executors: { docker: { host: "unix:///nonexistent/docker.sock" } } } });
    const result = await offline.engine.execute({ id: "offline", type: "docker", executor_config: { image: TEST_IMAGE } });
    expect(result.error).toMatchObject({ code: "docker.daemon_unreachable", retryable: true });
    expect(offline.builtins[0]!.healthCheck()).rejects.toThrow("cannot reach the Docker daemon");
    await offline.shutdown();
  });

  test("healthCheck reports the daemon's version", async () => {
    const health = await runtime.builtins[0]!.healthCheck();
    expect(health["docker.version"]).toMatch(/^\d+\.\d+/);
  });
});
