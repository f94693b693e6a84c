/** `ubom serve` from the compiled binary, listening on a free loopback port, for API tests. */
import { join } from "node:path";
import type { Subprocess } from "bun";
import { installPlugin } from "./binary.ts";
import { freePort } from "./free-port.ts";

/** A Response whose JSON the tests read freely. */
export type ApiResponse = Omit<Response, "json"> & { json(): Promise<any> };

export interface RunningServer {
  url: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  stderr: () => string;
  /** fetch relative to the server, JSON bodies made for you. */
  api(path: string, init?: RequestInit & { json?: unknown; token?: string }): Promise<ApiResponse>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export { freePort };

/** Copies the first-party plugins next to the binary in `dir`. */
export function installFirstPartyPlugins(dir: string): void {
  installPlugin(dir, "plugins/exec.ts");
  installPlugin(dir, "plugins/http.ts");
}

/** Starts the server in `dir` with `config` as ubom.json, and waits for /healthz. */
export async function startServer(dir: string, options: { config?: unknown; env?: Record<string, string>; data?: string; port?: number; args?: string[] } = {}): Promise<RunningServer> {
  const port = options.port ?? freePort();
  const configFile = join(dir, `ubom-${port}.json`);
  await Bun.write(configFile, JSON.stringify(options.config ?? {}));
  const store = options.args?.includes("--queue") ? [] : ["--data", options.data ?? join(dir, `data-${port}`)];
  const child = Bun.spawn([join(dir, "ubom"), "serve", "--listen", `127.0.0.1:${port}`, ...store, "--config", configFile, ...(options.args ?? [])], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let stderr = "";
  void (async () => {
    for await (const chunk of child.stderr) stderr += new TextDecoder().decode(chunk);
  })();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`ubom serve exited ${child.exitCode}: ${stderr}`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    await Bun.sleep(50);
  }
  return {
    url,
    process: child,
    stderr: () => stderr,
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.json !== undefined) headers.set("content-type", "application/json");
      if (init.token) headers.set("authorization", `Bearer ${init.token}`);
      return fetch(`${url}${path}`, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
    },
    async stop(signal = "SIGTERM") {
      child.kill(signal);
      return child.exited;
    },
  };
}

/** Polls a work until it is final. */
export async function waitFinal(server: RunningServer, id: string, ms = 30_000): Promise<any> {
  const until = Date.now() + ms;
  for (;;) {
    const record = await (await server.api(`/v1/works/${id}`)).json();
    if (["succeeded", "failed", "cancelled", "timed_out"].includes(record.status) || Date.now() > until) return record;
    await Bun.sleep(50);
  }
}
