/** One dockerode client per executor, from the executor config or DOCKER_HOST. */
import { readFileSync } from "node:fs";
import type Docker from "dockerode";
import type { DockerExecutorConfig } from "./config.ts";

/**
 * A client for `config.host`, or for DOCKER_HOST / the local socket when absent.
 * dockerode is loaded here, on first use: it is the heaviest module of the binary, and
 * most commands never talk to Docker.
 */
export async function createDockerClient(config: DockerExecutorConfig): Promise<Docker> {
  const { default: Docker } = await import("dockerode");
  if (!config.host) return new Docker();
  const url = new URL(config.host);
  if (url.protocol === "unix:") return new Docker({ socketPath: url.pathname });
  const tls = config.tls;
  const read = (file?: string) => (file ? readFileSync(file) : undefined);
  return new Docker({
    host: url.hostname,
    port: Number(url.port || (tls ? 2376 : 2375)),
    protocol: tls || url.protocol === "https:" ? "https" : "http",
    ca: read(tls?.ca_file),
    cert: read(tls?.cert_file),
    key: read(tls?.key_file),
  });
}
