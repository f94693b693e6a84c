/** API nodes and workers against a nats-server that wants a token, or mutual TLS. */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { buildBinaryInFreshFolder, ubom } from "../../helpers/binary.ts";
import { startApiNode, startWorker } from "../../helpers/cluster.ts";
import { makeCertificates } from "../../helpers/grpc-server.ts";
import { startNats } from "../../helpers/nats.ts";
import { installFirstPartyPlugins, waitFinal } from "../../helpers/server.ts";

const dir = await buildBinaryInFreshFolder();
installFirstPartyPlugins(dir);
const echo = (id: string) => ({ id, type: "exec", executor_config: { command: "echo", args: [id] } });

describe("queue authentication", () => {
  test("a token from the environment lets API nodes and workers in; a wrong one is refused clearly, without echoing it", async () => {
    const token = "nats-token-5521-secret";
    const nats = await startNats(["--auth", token]);
    const config = { queue: { token: { env: "NATS_TOKEN" } } };
    const api = await startApiNode(dir, nats.url, { config, env: { NATS_TOKEN: token } });
    const worker = await startWorker(dir, nats.url, { config, env: { NATS_TOKEN: token } });
    expect((await api.api("/v1/works", { method: "POST", json: echo("with-token") })).status).toBe(202);
    expect((await waitFinal(api, "with-token")).status).toBe("succeeded");
    expect(api.stderr() + worker.stderr()).not.toContain(token);

    const wrong = "wrong-token-7730";
    await Bun.write(join(dir, "wrong-token.json"), JSON.stringify(config));
    const refused = await ubom(dir, ["worker", "--queue", nats.url, "--config", "wrong-token.json"], { env: { NATS_TOKEN: wrong } });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`cannot connect to NATS at ${nats.url}`);
    expect(refused.stderr).not.toContain(wrong);
    const missing = await ubom(dir, ["worker", "--queue", nats.url, "--config", "wrong-token.json"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("NATS_TOKEN");
  }, 60_000);

  test("mutual TLS: client certificate and CA from files; a client without a certificate is refused", async () => {
    const pki = makeCertificates();
    afterAll(() => pki.cleanup());
    const file = (name: string) => join(pki.dir, name);
    const nats = await startNats(["--tlsverify", "--tlscert", file("server.pem"), "--tlskey", file("server.key"), "--tlscacert", file("ca.pem")]);
    const config = { queue: { tls: { ca_file: file("ca.pem"), cert_file: file("client.pem"), key_file: file("client.key") } } };
    const api = await startApiNode(dir, nats.url, { config });
    await startWorker(dir, nats.url, { config });
    expect((await api.api("/v1/works", { method: "POST", json: echo("over-tls") })).status).toBe(202);
    expect((await waitFinal(api, "over-tls")).status).toBe("succeeded");

    await Bun.write(join(dir, "no-cert.json"), JSON.stringify({ queue: { tls: { ca_file: file("ca.pem") } } }));
    const refused = await ubom(dir, ["worker", "--queue", nats.url, "--config", "no-cert.json"]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`cannot connect to NATS at ${nats.url}: timeout`);
    expect(refused.stderr).toContain("client certificate");
  }, 60_000);
});
