/**
 * 30 runs of a `true` container, one at a time and 4 at a time: through the docker
 * executor (the whole engine path), through raw dockerode calls (create, attach, start,
 * wait, remove) and through `docker run --rm`, in the same run.
 *   bun run bench/docker.ts
 */
import Docker from "dockerode";
import { createRuntime } from "../src/engine/runtime.ts";
import { requireDocker, TEST_IMAGE } from "../tests/helpers/docker.ts";
import { report } from "./report.ts";

const RUNS = 30;
const docker: Docker = await requireDocker();
const runtime = await createRuntime({});

async function viaExecutor(i: number): Promise<void> {
  const result = await runtime.engine.execute({ id: `bench-docker-${i}`, type: "docker", executor_config: { image: TEST_IMAGE, command: ["true"] } });
  if (result.status !== "succeeded") throw new Error(`executor run failed: ${result.error?.message}`);
}

async function viaDockerode(): Promise<void> {
  const container = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ["true"], AttachStdout: true, AttachStderr: true });
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  stream.resume();
  await container.start();
  const { StatusCode } = await container.wait();
  await container.remove({ force: true });
  if (StatusCode !== 0) throw new Error(`dockerode run exited ${StatusCode}`);
}

async function viaCli(): Promise<void> {
  const run = Bun.spawn(["docker", "run", "--rm", TEST_IMAGE, "true"], { stdout: "ignore", stderr: "ignore" });
  if ((await run.exited) !== 0) throw new Error("docker run failed");
}

/** Milliseconds for RUNS runs, `parallel` at a time. */
async function timeRuns(run: (i: number) => Promise<void>, parallel: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < RUNS) await run(next++);
    }),
  );
  return performance.now() - started;
}

// One of each first: the image's layers and the daemon's caches are warm for everyone.
await viaExecutor(-1);
await viaDockerode();
await viaCli();

for (const parallel of [1, 4]) {
  const raw = await timeRuns(viaDockerode, parallel);
  const executor = await timeRuns(viaExecutor, parallel);
  const cli = await timeRuns(viaCli, parallel);
  const mode = parallel === 1 ? "sequential" : `${parallel}_at_a_time`;
  report({ bench: "docker", metric: `executor_ms_per_run_${mode}_vs_dockerode`, value: executor / RUNS, unit: "ms", baseline: raw / RUNS }, false);
  report({ bench: "docker", metric: `executor_ms_per_run_${mode}_vs_docker_cli`, value: executor / RUNS, unit: "ms", baseline: cli / RUNS }, false);
}
await runtime.shutdown();
