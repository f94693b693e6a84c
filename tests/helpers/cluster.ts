/** API nodes and workers of the compiled binary sharing one nats-server, for cluster tests. */
import { join } from "node:path";
import type { Subprocess } from "bun";
import { afterAll } from "bun:test";
import { freePort, startServer, type RunningServer } from "./server.ts";

export interface RunningWorker {
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** The name the worker records in attempts: host:pid. */
  name: string;
  stderr: () => string;
  adminUrl?: string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts `ubom worker` from the binary in `dir` and waits until it takes works. */
export async function startWorker(dir: string, queueUrl: string, options: { args?: string[]; config?: unknown; admin?: boolean; env?: Record<string, string> } = {}): Promise<RunningWorker> {
  const configFile = join(dir, `worker-${freePort()}.json`);
  await Bun.write(configFile, JSON.stringify(options.config ?? {}));
  const adminPort = options.admin ? freePort() : undefined;
  const child = Bun.spawn(
    [join(dir, "ubom"), "worker", "--queue", queueUrl, "--config", configFile, ...(adminPort ? ["--admin", `127.0.0.1:${adminPort}`] : []), ...(options.args ?? [])],
    { cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, ...options.env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  let stderr = "";
  let ready = false;
  void (async () => {
    for await (const chunk of child.stderr) {
      stderr += new TextDecoder().decode(chunk);
      if (!ready && stderr.includes('"worker.ready"')) ready = true;
    }
  })();
  for (let waited = 0; !ready; waited += 25) {
    if (child.exitCode !== null) throw new Error(`ubom worker exited ${child.exitCode}: ${stderr}`);
    if (waited > 20_000) throw new Error(`ubom worker was not ready within 20s: ${stderr}`);
    await Bun.sleep(25);
  }
  const worker: RunningWorker = {
    process: child,
    name: `${(await Bun.$`hostname`.text()).trim()}:${child.pid}`,
    stderr: () => stderr,
    adminUrl: adminPort ? `http://127.0.0.1:${adminPort}` : undefined,
    async stop(signal = "SIGTERM") {
      child.kill(signal);
      return child.exited;
    },
  };
  afterAll(() => void (child.exitCode === null && child.kill("SIGKILL")));
  return worker;
}

/** Starts an API node (`ubom serve --queue`) from the binary in `dir`. */
export async function startApiNode(dir: string, queueUrl: string, options: { config?: unknown; env?: Record<string, string> } = {}): Promise<RunningServer> {
  const server = await startServer(dir, { args: ["--queue", queueUrl], config: options.config, env: options.env });
  afterAll(() => void (server.process.exitCode === null && server.process.kill("SIGKILL")));
  return server;
}
