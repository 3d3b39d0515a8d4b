// Bench reference: the leanest honest Node proxy (node:http in, undici request() over a keep-alive Agent out,
// body piped both ways). Its throughput is the ceiling for any proxy written on Node.
// Usage: node bare-proxy.mjs <upstream base URL>   Prints `{"port":N}` once listening on 127.0.0.1.
import { createServer } from "node:http";
import { Agent, request } from "undici";

const upstream = process.argv[2];
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256, pipelining: 1 });
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "host",
  "upgrade",
  "te",
  "trailer",
]);

function forwardable(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

const server = createServer({ keepAliveTimeout: 120_000, noDelay: true }, async (req, res) => {
  try {
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const upstreamResponse = await request(upstream + req.url, {
      dispatcher: agent,
      method: req.method,
      headers: forwardable(req.headers),
      body: hasBody ? req : undefined,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    res.writeHead(upstreamResponse.statusCode, forwardable(upstreamResponse.headers));
    // A client that goes away mid-stream destroys the upstream body, which then emits the abort as an error.
    upstreamResponse.body.on("error", () => {});
    res.on("close", () => upstreamResponse.body.destroy());
    upstreamResponse.body.pipe(res);
  } catch (error) {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: String(error), type: "bad_gateway", code: "bad_gateway" } }));
  }
});
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(0, "127.0.0.1", () =>
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`),
);
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
