/**
 * Google Cloud Functions for the tests: real functions served by
 * @google-cloud/functions-framework, and a loopback front that plays Google's part in the
 * token path — a token endpoint that checks the service account's signed assertion and
 * issues an ID token, and a gate that checks that token's signature and audience.
 */
import { join } from "node:path";
import { exportPKCS8, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { freePort } from "./free-port.ts";

const ROOT = join(import.meta.dir, "../..");

export interface RunningFunction {
  url: string;
  stop(): void;
}

/** Serves one function of tests/fixtures/gcp/functions.cjs with the real framework, under Node. */
export async function startFunction(target: string): Promise<RunningFunction> {
  const port = freePort();
  const child = Bun.spawn(
    ["node", join(ROOT, "node_modules/@google-cloud/functions-framework/build/src/main.js"), `--target=${target}`, `--source=${join(ROOT, "tests/fixtures/gcp/functions.cjs")}`, `--port=${port}`],
    { stdout: "ignore", stderr: "pipe", env: { ...process.env, HOST: "127.0.0.1" } },
  );
  const url = `http://127.0.0.1:${port}/`;
  // Ready when the port accepts connections: a request could wait on a slow function.
  const accepts = () =>
    Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
      (socket) => (socket.end(), true),
      () => false,
    );
  for (let i = 0; i < 100; i++) {
    if (await accepts()) return { url, stop: () => child.kill() };
    if (child.exitCode !== null) break;
    await Bun.sleep(100);
  }
  child.kill();
  throw new Error(`the functions framework did not start ${target}: ${await new Response(child.stderr).text()}`);
}

export interface GoogleFront {
  /** The URL of the gated function: the ID token's audience. */
  functionUrl: string;
  /** A service-account key file's JSON whose token_uri is this front. */
  serviceAccountJson: string;
  /** A key of an account the token endpoint does not know. */
  strangerJson: string;
  tokenRequests: number;
  stop(): void;
}

async function serviceAccount(email: string, tokenUri: string) {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const json = JSON.stringify({
    type: "service_account",
    project_id: "ubom-test",
    private_key_id: `key-${email.split("@")[0]}`,
    private_key: await exportPKCS8(privateKey),
    client_email: email,
    token_uri: tokenUri,
  });
  return { json, publicKey, email };
}

/** Starts the front before `upstream` (a function's URL). */
export async function startGoogleFront(upstream: string): Promise<GoogleFront> {
  const google = await generateKeyPair("RS256");
  let front: GoogleFront;
  let accounts: Map<string, CryptoKey>;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const base = `http://127.0.0.1:${url.port}`;
      if (url.pathname === "/token") {
        front.tokenRequests += 1;
        const form = new URLSearchParams(await request.text());
        try {
          if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") throw new Error("unsupported grant");
          const assertion = form.get("assertion") ?? "";
          const issuer = JSON.parse(Buffer.from(assertion.split(".")[1] ?? "", "base64url").toString()).iss as string;
          const key = accounts.get(issuer);
          if (!key) throw new Error("unknown account");
          const { payload } = await jwtVerify(assertion, key, { audience: `${base}/token`, issuer });
          const idToken = await new SignJWT({ email: issuer })
            .setProtectedHeader({ alg: "RS256" })
            .setIssuer("https://accounts.google.com")
            .setSubject(issuer)
            .setAudience(String(payload.target_audience))
            .setIssuedAt()
            .setExpirationTime("1h")
            .sign(google.privateKey);
          return Response.json({ id_token: idToken });
        } catch (error) {
          return Response.json({ error: "invalid_grant", error_description: `Invalid JWT: ${(error as Error).message}` }, { status: 400 });
        }
      }
      if (url.pathname.startsWith("/fn")) {
        const token = (request.headers.get("authorization") ?? "").replace(/^Bearer /, "");
        try {
          await jwtVerify(token, google.publicKey, { audience: `${base}/fn`, issuer: "https://accounts.google.com" });
        } catch (error) {
          return new Response(`Unauthorized: ${(error as Error).message}`, { status: 401 });
        }
        const forwarded = await fetch(upstream, { method: request.method, headers: { "content-type": "application/json" }, body: request.method === "GET" ? undefined : await request.text() });
        return new Response(await forwarded.text(), { status: forwarded.status, headers: forwarded.headers });
      }
      return new Response("not found", { status: 404 });
    },
  });
  const base = `http://127.0.0.1:${server.port}`;
  const known = await serviceAccount("invoker@ubom-test.iam.gserviceaccount.com", `${base}/token`);
  const stranger = await serviceAccount("stranger@ubom-test.iam.gserviceaccount.com", `${base}/token`);
  accounts = new Map([[known.email, known.publicKey]]);
  front = { functionUrl: `${base}/fn`, serviceAccountJson: known.json, strangerJson: stranger.json, tokenRequests: 0, stop: () => server.stop(true) };
  return front;
}

export interface FunctionsApi {
  endpoint: string;
  lookups: string[];
  stop(): void;
}

/**
 * The Cloud Functions API's GetFunction on loopback: a real gRPC server built from the
 * API's own proto (shipped in @google-cloud/functions), answering with `uris` by name.
 */
export async function startFunctionsApi(uris: Record<string, string>): Promise<FunctionsApi> {
  const grpc = await import("@grpc/grpc-js");
  const protoLoader = await import("@grpc/proto-loader");
  const definition = protoLoader.loadSync("google/cloud/functions/v2/functions.proto", {
    includeDirs: [join(ROOT, "node_modules/@google-cloud/functions/build/protos"), join(ROOT, "node_modules/google-gax/build/protos")],
    longs: String,
    enums: String,
    defaults: true,
  });
  const proto = grpc.loadPackageDefinition(definition) as any;
  const lookups: string[] = [];
  const server = new grpc.Server();
  server.addService(proto.google.cloud.functions.v2.FunctionService.service, {
    GetFunction(call: any, callback: any) {
      lookups.push(call.request.name);
      const uri = uris[call.request.name];
      if (uri) callback(null, { name: call.request.name, serviceConfig: { uri } });
      else callback({ code: grpc.status.NOT_FOUND, details: `Resource '${call.request.name}' was not found` });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { endpoint: `http://127.0.0.1:${port}`, lookups, stop: () => server.forceShutdown() };
}
