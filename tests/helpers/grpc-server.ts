/** A real @grpc/grpc-js server for the tests, with reflection, plain or TLS. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";

/** Where the test protos live; `ubom/test/v1/echo.proto` imports `ubom/common/types.proto`. */
export const PROTO_ROOT = join(import.meta.dir, "../fixtures/grpc/protos");
export const ECHO_PROTO = "ubom/test/v1/echo.proto";
export const HEALTH_PROTO = "grpc/health/v1/health.proto";

/** What the server saw, for assertions. */
export interface ServerLog {
  metadata: Record<string, unknown>[];
  flakyCalls: Map<string, number[]>;
}

export interface TestServer {
  port: number;
  log: ServerLog;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  tls?: { key: Buffer; cert: Buffer; ca?: Buffer; requireClientCert?: boolean };
  reflection?: boolean;
}

/** Starts the Echo service on a free loopback port. */
export async function startEchoServer(options: TestServerOptions = {}): Promise<TestServer> {
  const definition = protoLoader.loadSync([ECHO_PROTO, HEALTH_PROTO], { includeDirs: [PROTO_ROOT], keepCase: true, longs: String, enums: String, defaults: true });
  const proto = grpc.loadPackageDefinition(definition) as any;
  const server = new grpc.Server();
  const log: ServerLog = { metadata: [], flakyCalls: new Map() };
  const reply = (call: grpc.ServerUnaryCall<any, any>) => {
    log.metadata.push(call.metadata.getMap());
    const headers = new grpc.Metadata();
    headers.set("x-server", "ubom-test");
    call.sendMetadata(headers);
  };
  const trailers = () => {
    const metadata = new grpc.Metadata();
    metadata.set("x-trailer", "done");
    return metadata;
  };
  server.addService(proto.ubom.test.v1.Echo.service, {
    Say(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
      reply(call);
      const seen = call.metadata.get("x-request-id")[0] ?? "";
      callback(null, { message: `hello ${call.request.name}`, meta: call.request.meta ?? { big: "9007199254740993", color: "GREEN" }, seen_metadata: String(seen) }, trailers());
    },
    Count(call: grpc.ServerWritableStream<any, any>) {
      const send = async () => {
        for (let n = 1; n <= call.request.to; n++) {
          if (call.cancelled) return;
          call.write({ n });
          if (call.request.delay_ms) await Bun.sleep(call.request.delay_ms);
        }
        call.end(trailers());
      };
      void send();
    },
    Flaky(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
      const times = log.flakyCalls.get(call.request.key) ?? [];
      times.push(Date.now());
      log.flakyCalls.set(call.request.key, times);
      if (times.length <= call.request.fail_times) callback({ code: call.request.code || grpc.status.UNAVAILABLE, details: `failing on purpose (${times.length})` });
      else callback(null, { message: `ok after ${times.length}` });
    },
    Slow(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
      const timer = setTimeout(() => callback(null, { message: "finally" }), call.request.delay_ms);
      call.on("cancelled", () => clearTimeout(timer));
    },
    Upload(_call: unknown, callback: grpc.sendUnaryData<any>) {
      callback({ code: grpc.status.UNIMPLEMENTED });
    },
    Chat(call: grpc.ServerDuplexStream<any, any>) {
      call.end();
    },
  });
  server.addService(proto.grpc.health.v1.Health.service, {
    Check(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
      if (call.request.service && call.request.service !== "ubom.test.v1.Echo") callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
      else callback(null, { status: "SERVING" });
    },
    Watch(call: grpc.ServerWritableStream<any, any>) {
      call.write({ status: "SERVING" });
      call.end();
    },
  });
  if (options.reflection !== false) new ReflectionService(definition).addToServer(server);
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(options.tls.ca ?? null, [{ private_key: options.tls.key, cert_chain: options.tls.cert }], options.tls.requireClientCert ?? false)
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
  return {
    port,
    log,
    stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** Throwaway PKI made with openssl: a CA, a server certificate for 127.0.0.1/localhost, a client certificate. */
export interface TestCertificates {
  ca: Buffer;
  serverKey: Buffer;
  serverCert: Buffer;
  clientKey: Buffer;
  clientCert: Buffer;
  otherCa: Buffer;
  dir: string;
  cleanup(): void;
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "ubom-pki-"));
  const openssl = (...args: string[]) => {
    const run = Bun.spawnSync(["openssl", ...args], { cwd: dir });
    if (run.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr}`);
  };
  for (const ca of ["ca", "other-ca"]) {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${ca}.key`, "-out", `${ca}.pem`, "-days", "2", "-subj", `/CN=ubom test ${ca}`);
  }
  const sign = (name: string, subject: string, extensions: string) => {
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.pem`, "-days", "2", "-extfile", `${name}.ext`);
  };
  sign("server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  sign("client", "/CN=ubom client", "extendedKeyUsage=clientAuth\n");
  const read = (file: string) => readFileSync(join(dir, file));
  return {
    ca: read("ca.pem"),
    serverKey: read("server.key"),
    serverCert: read("server.pem"),
    clientKey: read("client.key"),
    clientCert: read("client.pem"),
    otherCa: read("other-ca.pem"),
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
