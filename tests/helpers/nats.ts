/**
 * A real nats-server (Debian's, 2.9) with JetStream, on a free loopback port and a
 * temporary store folder; stopped after the test file. Missing nats-server fails the test
 * with what to install.
 */
import { spawnSync } from "node:child_process";
import { afterAll } from "bun:test";
import type { Subprocess } from "bun";
import { freePort } from "./free-port.ts";
import { portAnswers } from "./port-answers.ts";
import { tempDir } from "./temp-dir.ts";

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Stops the server: SIGKILL for a crash, SIGTERM for a clean stop. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port with the same store. */
  start(): Promise<void>;
}

/** `args` adds nats-server options (auth, TLS). */
export async function startNats(args: string[] = []): Promise<NatsServer> {
  if (spawnSync("sh", ["-c", "command -v nats-server"]).status !== 0) {
    throw new Error("nats-server is not installed: the cluster tests need it (Debian: apt-get install -y nats-server); they start it themselves");
  }
  const port = freePort();
  const storeDir = tempDir("ubom-nats-");
  let child: Subprocess<"ignore", "ignore", "pipe"> | undefined;
  let log = "";
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    async start() {
      child = Bun.spawn(["nats-server", "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir, ...args], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
      const current = child;
      void (async () => {
        for await (const chunk of current.stderr) log += new TextDecoder().decode(chunk);
      })();
      for (let waited = 0; waited < 15_000; waited += 50) {
        if (current.exitCode !== null) throw new Error(`nats-server exited ${current.exitCode}: ${log}`);
        if (await portAnswers(port)) return;
        await Bun.sleep(50);
      }
      throw new Error(`nats-server did not listen on ${port} within 15s: ${log}`);
    },
    async stop(signal = "SIGTERM") {
      if (!child || child.exitCode !== null) return;
      child.kill(signal);
      await child.exited;
    },
  };
  await server.start();
  afterAll(() => server.stop("SIGKILL"));
  return server;
}
