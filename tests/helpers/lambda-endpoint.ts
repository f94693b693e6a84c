/**
 * An endpoint on loopback that speaks the Lambda Invoke API and verifies SigV4 signatures
 * with @smithy/signature-v4, so wrong credentials really fail. Functions by name:
 * echo, unhandled, handled, throttled-<key> (429 twice), hinted-<key> (429 with
 * Retry-After: 1, once), slow (60 s).
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

export interface LambdaEndpoint {
  url: string;
  calls: { function: string; qualifier?: string; payload: string; at: number }[];
  stop(): void;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/lambda\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/;

function awsError(status: number, type: string, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ message, Type: "User" }, { status, headers: { "x-amzn-ErrorType": type, "x-amzn-RequestId": crypto.randomUUID(), ...headers } });
}

export function startLambdaEndpoint(credentials: { accessKeyId: string; secretAccessKey: string }, region = "us-east-1"): LambdaEndpoint {
  const calls: LambdaEndpoint["calls"] = [];
  const throttled = new Map<string, number>();
  const signer = new SignatureV4({ credentials, region, service: "lambda", sha256: Sha256 });
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 120,
    async fetch(request) {
      const url = new URL(request.url);
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
      if (request.method !== "POST" || !match) return awsError(404, "ResourceNotFoundException", `no route ${request.method} ${url.pathname}`);
      const body = await request.text();
      const auth = AUTH.exec(request.headers.get("authorization") ?? "");
      if (!auth) return awsError(403, "IncompleteSignature", "Authorization header requires a SigV4 signature");
      const [, accessKeyId, , signedRegion, signedHeaders, signature] = auth;
      if (accessKeyId !== credentials.accessKeyId || signedRegion !== region) return awsError(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
      const headers: Record<string, string> = {};
      for (const name of signedHeaders!.split(";")) headers[name] = request.headers.get(name) ?? "";
      const amzDate = request.headers.get("x-amz-date") ?? "";
      const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
      const expected = await signer.sign(
        { method: "POST", protocol: "http:", hostname: url.hostname, port: Number(url.port), path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body },
        { signingDate },
      );
      if (!String(expected.headers.authorization ?? expected.headers.Authorization).endsWith(`Signature=${signature}`)) {
        return awsError(403, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
      }

      const name = decodeURIComponent(match[1]!);
      const qualifier = url.searchParams.get("Qualifier") ?? undefined;
      calls.push({ function: name, qualifier, payload: body, at: Date.now() });
      const requestId = crypto.randomUUID();
      const base = { "x-amzn-RequestId": requestId, "X-Amz-Executed-Version": qualifier ?? "$LATEST", "content-type": "application/json" };
      if (request.headers.get("x-amz-invocation-type") === "Event") return new Response(null, { status: 202, headers: { "x-amzn-RequestId": requestId } });
      if (name.startsWith("throttled-") || name.startsWith("hinted-")) {
        const seen = (throttled.get(name) ?? 0) + 1;
        throttled.set(name, seen);
        const limit = name.startsWith("throttled-") ? 2 : 1;
        if (seen <= limit) {
          return awsError(429, "TooManyRequestsException", "Rate Exceeded.", name.startsWith("hinted-") ? { "Retry-After": "1" } : {});
        }
        return new Response(JSON.stringify({ ok: true, attempts: seen }), { headers: base });
      }
      switch (name) {
        case "echo": {
          const log = `START RequestId: ${requestId}\nhello from the function\nEND RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\n`;
          const tail = request.headers.get("x-amz-log-type") === "Tail" ? { "X-Amz-Log-Result": Buffer.from(log).toString("base64") } : {};
          return new Response(body, { headers: { ...base, ...tail } });
        }
        case "unhandled":
          return new Response(JSON.stringify({ errorType: "TypeError", errorMessage: "Cannot read properties of undefined", trace: [] }), { headers: { ...base, "X-Amz-Function-Error": "Unhandled" } });
        case "handled":
          return new Response(JSON.stringify({ errorType: "OrderError", errorMessage: "bad order" }), { headers: { ...base, "X-Amz-Function-Error": "Handled" } });
        case "slow":
          await Bun.sleep(60_000);
          return new Response("{}", { headers: base });
        default:
          return awsError(404, "ResourceNotFoundException", `Function not found: ${name}`);
      }
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, calls, stop: () => server.stop(true) };
}
