/**
 * 5,000 malformed or random requests at every route, with well-formed works submitted
 * alongside: only 4xx answers, /healthz keeps answering, and every good work completes.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { buildBinaryInFreshFolder } from "../helpers/binary.ts";
import { installFirstPartyPlugins, startServer, waitFinal } from "../helpers/server.ts";

const dir = await buildBinaryInFreshFolder();
installFirstPartyPlugins(dir);
const server = await startServer(dir, { config: { server: { max_body_bytes: 64 * 1024 } } });
afterAll(() => server.stop());

/** A seeded generator, so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}
const random = prng(20261126);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const junkString = () => Array.from({ length: Math.floor(random() * 40) }, () => String.fromCharCode(Math.floor(random() * 0x2fff))).join("");

function junkValue(depth = 0): unknown {
  const kinds = depth > 3 ? ["string", "number", "null", "bool"] : ["string", "number", "null", "bool", "array", "object"];
  switch (pick(kinds)) {
    case "string":
      return junkString();
    case "number":
      return pick([0, -1, 1e308, -1e-9, 42, 2 ** 53 + 1]);
    case "null":
      return null;
    case "bool":
      return random() < 0.5;
    case "array":
      return Array.from({ length: Math.floor(random() * 4) }, () => junkValue(depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [pick(["id", "type", "executor_config", "input", "timeout", "retry", "labels", junkString()]), junkValue(depth + 1)]));
  }
}

function junkBody(): string | undefined {
  switch (pick(["json", "almost-a-work", "text", "empty", "broken", "huge-ish"])) {
    case "json":
      return JSON.stringify(junkValue());
    case "almost-a-work":
      return JSON.stringify({ id: pick(["x", "", "a b", junkString(), 7]), type: pick(["exec", "http", "docker", "nope", 3]), executor_config: junkValue(), timeout: pick(["1s", "soon", 5, undefined]), retry: junkValue() });
    case "text":
      return junkString();
    case "empty":
      return undefined;
    case "broken":
      return `{"id": "x", "type": ${junkString()}`;
    default:
      return JSON.stringify({ id: "big", type: "exec", executor_config: { command: "echo", args: ["x".repeat(Math.floor(random() * 100_000))] } });
  }
}

const ROUTES: [string, string][] = [
  ["POST", "/v1/works"],
  ["POST", "/v1/works?wait=junk"],
  ["GET", "/v1/works"],
  ["GET", "/v1/works?limit=-5&cursor=zz&status=%00"],
  ["GET", "/v1/works/%2e%2e%2f"],
  ["DELETE", "/v1/works/no-such"],
  ["GET", "/v1/works/x/logs"],
  ["POST", "/v1/validate"],
  ["GET", "/v1/executors"],
  ["GET", "/v1/executors/%00/schema"],
  ["GET", "/v1/plugins"],
  ["PUT", "/v1/works"],
  ["PATCH", "/v1/works/x"],
  ["GET", "/nowhere"],
];

describe("fuzz", () => {
  test("5,000 malformed requests: only 4xx, the server still answers, good works still complete", async () => {
    const statuses = new Map<number, number>();
    const fiveHundreds: string[] = [];
    const good: string[] = [];
    let sent = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < 5_000) {
          const n = sent++;
          if (n % 100 === 0) {
            const id = `good-${n}`;
            good.push(id);
            const response = await server.api("/v1/works", { method: "POST", json: { id, type: "exec", executor_config: { command: "echo", args: [String(n)] } } });
            expect(response.status).toBe(202);
            continue;
          }
          const [method, path] = pick(ROUTES);
          const headers: Record<string, string> = {};
          if (random() < 0.7) headers["content-type"] = pick(["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", junkString().replace(/[^\x20-\x7e]/g, "")]);
          if (random() < 0.3) headers.accept = pick(["text/event-stream", "*/*", "application/xml"]);
          if (random() < 0.2) headers["idempotency-key"] = junkString().replace(/[^\x20-\x7e]/g, "") || "k";
          if (random() < 0.1) headers.authorization = `Bearer ${junkString().replace(/[^\x20-\x7e]/g, "")}`;
          const body = method === "GET" || method === "DELETE" ? undefined : junkBody();
          const response = await fetch(`${server.url}${path}`, { method, headers, body }).catch((error: Error) => ({ status: -1, text: async () => error.message }) as Response);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500 || response.status < 0) fiveHundreds.push(`${method} ${path} -> ${response.status}: ${(await response.text()).slice(0, 200)}`);
          else await response.arrayBuffer();
        }
      }),
    );
    expect(fiveHundreds).toEqual([]);
    expect((await server.api("/healthz")).status).toBe(200);
    for (const id of good) expect((await waitFinal(server, id)).status).toBe("succeeded");
    // Some requests of every kind were answered, most refused as the client's fault.
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
  }, 120_000);
});
