/**
 * Run by `bun run test` before the tests: starts the servers the integration tests use
 * when they are installed but not running. The cluster tests start their own nats-server
 * (JetStream on a free loopback port, a temporary store), so here it need only be
 * installed. Tests that need a missing one fail with a message saying what to install;
 * they never skip.
 */
import { existsSync, mkdirSync, openSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";

function which(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

function dockerAnswers(): boolean {
  return which("docker") && spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { stdio: "ignore", timeout: 10_000 }).status === 0;
}

async function ensureDockerd(): Promise<void> {
  if (process.env.DOCKER_HOST || dockerAnswers()) return;
  if (!which("dockerd")) {
    console.warn("ensure: dockerd is not installed: the Docker tests will fail (Debian: apt-get install -y docker.io busybox-static)");
    return;
  }
  mkdirSync("/tmp/ubom-services", { recursive: true });
  const log = openSync("/tmp/ubom-services/dockerd.log", "a");
  // Detached, so the daemon outlives this script and serves every test file.
  spawn("dockerd", [], { detached: true, stdio: ["ignore", log, log] }).unref();
  for (let waited = 0; waited < 60_000; waited += 500) {
    if (existsSync("/var/run/docker.sock") && dockerAnswers()) {
      console.log("ensure: started dockerd (log: /tmp/ubom-services/dockerd.log)");
      return;
    }
    await Bun.sleep(500);
  }
  console.warn("ensure: dockerd did not answer within 60s; see /tmp/ubom-services/dockerd.log");
}

function checkNatsServer(): void {
  if (!which("nats-server")) console.warn("ensure: nats-server is not installed: the cluster tests will fail (Debian: apt-get install -y nats-server)");
}

await ensureDockerd();
checkNatsServer();
