// Both upstream clients (undici on Node; fetch on Bun and Workers) relay a streamed upload byte for byte and
// ask the runtime for a garbage collection only once an exchange that streamed ≥ GC_HINT_BYTES is over —
// never in mid-stream, never for small or non-streamed bodies — so relayed chunks do not pile up in memory
// between uploads.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFetchClient } from "../../src/upstream/fetch-client.js";
import { GC_HINT_BYTES } from "../../src/upstream/garbage-hint.js";
import type { UpstreamClient } from "../../src/upstream/types.js";
import { createUndiciClient } from "../../src/upstream/undici-client.js";

let server: Server;
let url = "";

beforeAll(async () => {
  server = createServer((request, response) => {
    const hash = createHash("sha256");
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      hash.update(chunk);
    });
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ size, sha256: hash.digest("hex") }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/audio/transcriptions`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** `total` bytes in 256 KiB chunks, each filled with its index. */
function* pieces(total: number): Iterable<Uint8Array> {
  const size = 256 * 1024;
  for (let sent = 0, index = 0; sent < total; sent += size, index++) {
    yield new Uint8Array(Math.min(size, total - sent)).fill(index % 251);
  }
}

/** The same chunks streamed; `onChunk` runs before each is handed over. */
async function* body(total: number, onChunk: () => void = () => undefined): AsyncIterable<Uint8Array> {
  for (const piece of pieces(total)) {
    onChunk();
    yield piece;
  }
}

function digest(total: number): string {
  const hash = createHash("sha256");
  for (const piece of pieces(total)) hash.update(piece);
  return hash.digest("hex");
}

const clients: [string, (collectGarbage: () => void) => UpstreamClient][] = [
  ["fetch", (collectGarbage) => createFetchClient(fetch, { collectGarbage })],
  ["undici", (collectGarbage) => createUndiciClient({ collectGarbage })],
];

// undici's answer stream closes (the end of its exchange) just after the body was read: polled, not raced.
describe.each(clients)("the %s client's garbage-collection hint", (_name, createClient) => {
  it("relays a large streamed body intact and asks for one collection after its exchange, not during it", async () => {
    let hints = 0;
    const hintsWhileStreaming: number[] = [];
    const client = createClient(() => hints++);
    const total = GC_HINT_BYTES + 1024 * 1024;
    const response = await client.request({
      method: "POST",
      url,
      headers: { "content-type": "application/octet-stream" },
      body: body(total, () => hintsWhileStreaming.push(hints)),
    });
    expect(await response.json()).toEqual({ size: total, sha256: digest(total) });
    expect(hintsWhileStreaming.every((count) => count === 0)).toBe(true);
    await expect.poll(() => hints).toBe(1);
  });

  it("counts small streamed bodies together and ignores bodies that are not streamed", async () => {
    let hints = 0;
    const client = createClient(() => hints++);
    const send = async (requestBody: AsyncIterable<Uint8Array> | string) => {
      const response = await client.request({ method: "POST", url, headers: {}, body: requestBody });
      await response.json();
    };
    await send(body(GC_HINT_BYTES / 2));
    await send("x".repeat(GC_HINT_BYTES));
    expect(hints).toBe(0);
    await send(body(GC_HINT_BYTES / 2));
    await expect.poll(() => hints).toBe(1);
    await send(body(1024));
    expect(hints).toBe(1);
  });
});
