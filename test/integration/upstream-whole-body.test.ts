// Both upstream clients read a whole answer in one call (UpstreamResponse.bytes, used for non-streamed
// answers): every byte in order, a body that stops arriving fails as a timeout once the idle timeout has
// passed, and a connection reset mid-body fails as a connection failure; text() drops a UTF-8 byte order
// mark and json() of a body that is not JSON fails as a SyntaxError on both. Against a real HTTP server.
import { afterEach, describe, expect, it } from "vitest";
import { createFetchClient } from "../../src/upstream/fetch-client.js";
import type { UpstreamClient } from "../../src/upstream/types.js";
import { createUndiciClient } from "../../src/upstream/undici-client.js";
import { type FakeUpstream, startFakeUpstream } from "../fixtures/fake-upstream.js";

const clients: [string, () => UpstreamClient][] = [
  ["fetch", () => createFetchClient(fetch)],
  ["undici", () => createUndiciClient()],
];

const PIECE = 64 * 1024;
/** A byte pattern that shows any lost, repeated or reordered chunk. */
function piece(index: number): Uint8Array {
  const bytes = new Uint8Array(PIECE);
  for (let i = 0; i < PIECE; i++) bytes[i] = (index * 31 + i) & 0xff;
  return bytes;
}

describe.each(clients)("the %s client's whole-body read", (_name, createClient) => {
  let upstream: FakeUpstream | undefined;
  const client = createClient();
  afterEach(async () => {
    await upstream?.stop();
    upstream = undefined;
  });

  it("returns every byte of a body sent in many chunks, in order", async () => {
    upstream = await startFakeUpstream(async (_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      for (let i = 0; i < 40; i++) {
        if (!response.write(piece(i))) await new Promise((resolve) => response.once("drain", resolve));
      }
      response.end();
    });
    const answer = await client.request({ method: "POST", url: `${upstream.url}/v1/x`, body: "{}" });
    const whole = await answer.bytes?.();
    const expected = Buffer.concat(Array.from({ length: 40 }, (_, i) => piece(i)));
    expect(whole?.length).toBe(expected.length);
    expect(Buffer.from(whole as Uint8Array).equals(expected)).toBe(true);
  });

  it("fails as a timeout when the body stops arriving for longer than the idle timeout", async () => {
    upstream = await startFakeUpstream((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"partial":');
    });
    const answer = await client.request({
      method: "POST",
      url: `${upstream.url}/v1/x`,
      body: "{}",
      bodyTimeoutMs: 200,
    });
    await expect(answer.bytes?.()).rejects.toMatchObject({ name: "UpstreamError", kind: "timeout" });
  });

  it("fails as a connection failure when the connection is reset mid-body", async () => {
    upstream = await startFakeUpstream((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"partial":');
      setTimeout(() => response.socket?.destroy(), 50);
    });
    const answer = await client.request({ method: "POST", url: `${upstream.url}/v1/x`, body: "{}" });
    await expect(answer.bytes?.()).rejects.toMatchObject({ name: "UpstreamError", kind: "connect" });
  });

  it("text() skips a byte order mark, and json() of a body that is not JSON fails with a SyntaxError", async () => {
    upstream = await startFakeUpstream((request, response) => {
      response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      response.end(request.path === "/bom" ? "\ufeffhello ü" : "<html>not json</html>");
    });
    const text = await (await client.request({ method: "GET", url: `${upstream.url}/bom` })).text();
    expect(text).toBe("hello ü");
    const notJson = await client.request({ method: "GET", url: `${upstream.url}/html` });
    await expect(notJson.json()).rejects.toBeInstanceOf(SyntaxError);
  });
});
