/**
 * The compiled binary with the Docker executor.
 * ubom's promise: a crashed `ubom run` leaves no container behind after the next start.
 * The binary is killed with SIGKILL mid-work; the next `ubom run` removes the orphan and
 * leaves alone containers of live owners, of other hosts, and without ubom's labels.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { currentOwner, formatOwner } from "../../../src/executors/docker/owner.ts";
import { buildBinaryInFreshFolder, ubom } from "../../helpers/binary.ts";
import { containersWithLabel, dockerCli, eventually, requireDocker, TEST_IMAGE } from "../../helpers/docker.ts";

await requireDocker();
const dir = await buildBinaryInFreshFolder();
const tag = `orphan-test-${process.pid}`;

function createBystander(labels: Record<string, string>): string {
  const args = ["create", "--label", `ubom.test=${tag}`, ...Object.entries(labels).flatMap(([key, value]) => ["--label", `${key}=${value}`]), TEST_IMAGE, "sleep", "600"];
  const created = dockerCli(args);
  if (created.status !== 0) throw new Error(created.out);
  return created.out.trim();
}
afterAll(() => {
  for (const id of containersWithLabel(`ubom.test=${tag}`)) dockerCli(["rm", "-f", id]);
});

describe("orphaned containers", () => {
  test("a ubom run killed with SIGKILL leaves a container that the next start removes, and only that one", async () => {
    const workId = `${tag}-crashed`;
    writeFileSync(join(dir, "long.json"), JSON.stringify({ id: workId, type: "docker", executor_config: { image: TEST_IMAGE, command: ["sleep", "600"], labels: { "ubom.test": tag } } }));
    const crashed = Bun.spawn([join(dir, "ubom"), "run", "--quiet", "long.json"], { cwd: dir, stdout: "ignore", stderr: "ignore" });
    expect(await eventually(() => containersWithLabel(`ubom.work_id=${workId}`).length === 1, 15_000)).toBe(true);
    crashed.kill("SIGKILL");
    await crashed.exited;
    const [orphan] = containersWithLabel(`ubom.work_id=${workId}`);
    expect(orphan).toBeDefined();
    const owner = dockerCli(["inspect", "--format", '{{index .Config.Labels "ubom.owner"}}', orphan!]).out.trim();
    expect(owner).toStartWith(`${hostname()}/${crashed.pid}/`);

    const liveOwner = createBystander({ "ubom.owner": formatOwner(currentOwner()), "ubom.work_id": "live" });
    const otherHost = createBystander({ "ubom.owner": "some-other-host/1/1", "ubom.work_id": "elsewhere" });
    const unlabelled = createBystander({});

    writeFileSync(join(dir, "next.json"), JSON.stringify({ id: `${tag}-next`, type: "docker", executor_config: { image: TEST_IMAGE, command: ["true"] } }));
    const next = await ubom(dir, ["run", "next.json"]);
    expect(next.exitCode).toBe(0);
    expect(next.stderr).toContain('"msg":"docker.orphan_removed"');
    expect(await eventually(() => containersWithLabel(`ubom.work_id=${workId}`).length === 0, 5_000)).toBe(true);
    const remaining = containersWithLabel(`ubom.test=${tag}`);
    expect(remaining.sort()).toEqual([liveOwner, otherHost, unlabelled].map((id) => id.slice(0, 12)).sort());
  });
});

describe("ubom executors --health", () => {
  test("reports the Docker daemon's version, and an unreachable daemon as unhealthy with exit 1", async () => {
    const healthy = await ubom(dir, ["executors", "--health", "--json"]);
    expect(healthy.exitCode).toBe(0);
    const docker = healthy.json().find((row: { type: string }) => row.type === "docker");
    expect(docker.health).toMatchObject({ healthy: true, attributes: { "docker.version": expect.stringMatching(/^\d+\./) } });
    writeFileSync(join(dir, "offline.json"), JSON.stringify({ executors: { docker: { host: "unix:///nonexistent/docker.sock" } } }));
    const offline = await ubom(dir, ["executors", "--health", "--config", "offline.json"]);
    expect(offline.exitCode).toBe(1);
    expect(offline.stdout).toContain("UNHEALTHY: cannot reach the Docker daemon");
  });
});
