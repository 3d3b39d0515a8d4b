// Bench reference for Bun: the leanest honest Bun proxy (Bun.serve in, fetch() over Bun's keep-alive pool
// out, bodies streamed both ways). Its throughput is the ceiling for any proxy written on Bun.
// Usage: bun bare-proxy-bun.mjs <upstream base URL>   Prints `{"port":N}` once listening on 127.0.0.1.
const upstream = process.argv[2];
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "host", "upgrade", "te", "trailer"];

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 120,
  async fetch(request) {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    for (const name of HOP_BY_HOP) headers.delete(name);
    try {
      const answer = await fetch(upstream + url.pathname + url.search, {
        method: request.method,
        headers,
        body: request.method === "GET" || request.method === "HEAD" ? undefined : request.body,
        redirect: "manual",
      });
      const out = new Headers(answer.headers);
      for (const name of [...HOP_BY_HOP, "content-length", "content-encoding"]) out.delete(name);
      return new Response(answer.body, { status: answer.status, headers: out });
    } catch (error) {
      return Response.json(
        { error: { message: String(error), type: "bad_gateway", code: "bad_gateway" } },
        { status: 502 },
      );
    }
  },
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
