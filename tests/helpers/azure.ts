/** HTTP-triggered Azure Functions routes on loopback that check `x-functions-key`, as the Functions host does. */

export interface AzureFunctions {
  url: string;
  stop(): void;
}

export function startAzureFunctions(functionKey: string): AzureFunctions {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 120,
    async fetch(request) {
      const url = new URL(request.url);
      if (request.headers.get("x-functions-key") !== functionKey) return new Response("Unauthorized: missing or wrong function key", { status: 401 });
      const headers = { "x-ms-invocation-id": `inv-${crypto.randomUUID()}` };
      switch (url.pathname) {
        case "/api/orders":
          return Response.json({ received: await request.json().catch(() => null) }, { headers });
        case "/api/broken":
          return new Response("the function broke", { status: 500, headers });
        case "/api/slow":
          await Bun.sleep(60_000);
          return Response.json({ late: true }, { headers });
        default:
          return new Response("no such function", { status: 404, headers });
      }
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}
