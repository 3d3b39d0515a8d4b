// The Node upstream client's body iterator against a real HTTP server: every byte in order, bounded
// buffering when the reader is slow (the upstream is paused, not read into memory), a reset mid-body
// classified as a connection failure after the bytes that did arrive, and an early stop releasing the
// upstream request.
import { afterEach, describe, expect, it } from "vitest";
import { createUndiciClient } from "../../src/upstream/undici-client.js";
import { type FakeUpstream, startFakeUpstream } from "../fixtures/fake-upstream.js";

const CHUNK = 16 * 1024;

describe("undici upstream client body", () => {
  let upstream: FakeUpstream | undefined;
  const client = createUndiciClient();
  afterEach(async () => {
    await upstream?.stop();
    upstream = undefined;
  });

  /** The byte at `offset` of the test body: a pattern that shows any lost, repeated or reordered chunk. */
  const byteAt = (offset: number) => (offset * 7 + (offset >> 14)) & 0xff;
  const chunkAt = (index: number) => Uint8Array.from({ length: CHUNK }, (_, i) => byteAt(index * CHUNK + i));

  it("hands over every byte in order, and a slow reader holds the upstream back instead of buffering it", async () => {
    const total = 2048; // 32 MiB
    let flushed = 0;
    upstream = await startFakeUpstream(async (_request, response) => {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      for (let i = 0; i < total; i++) {
        if (!response.write(chunkAt(i), () => flushed++)) {
          await new Promise((resolve) => response.once("drain", resolve));
        }
      }
      response.end();
    });
    const answer = await client.request({ method: "GET", url: `${upstream.url}/big` });
    const chunks = answer.body[Symbol.asyncIterator]();
    const first = await chunks.next();
    expect(first.done).toBe(false);
    // Nothing read for a while: what the server got rid of is bounded by the socket buffers (≈ 4 MiB here),
    // not by the body's size (an unpaused body had taken ≈ 16 MiB of it after the same wait).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(flushed * CHUNK).toBeLessThan(8 * 1024 * 1024);
    let offset = 0;
    let mismatches = 0;
    const check = (bytes: Uint8Array) => {
      for (let i = 0; i < bytes.length; i += 997) if (bytes[i] !== byteAt(offset + i)) mismatches++;
      offset += bytes.length;
    };
    check(first.value as Uint8Array);
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) check(next.value);
    expect({ offset, mismatches }).toEqual({ offset: total * CHUNK, mismatches: 0 });
  });

  it("a reset mid-body fails the read as a connection failure, after the bytes that arrived", async () => {
    upstream = await startFakeUpstream((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n");
      setTimeout(() => response.socket?.destroy(), 50);
    });
    const answer = await client.request({ method: "POST", url: `${upstream.url}/s`, body: "{}" });
    const received: string[] = [];
    const failure = await (async () => {
      for await (const chunk of answer.body) received.push(Buffer.from(chunk).toString());
    })().then(
      () => null,
      (error: unknown) => error,
    );
    expect(received.join("")).toBe("data: one\n\n");
    expect(failure).toMatchObject({ name: "UpstreamError", kind: "connect" });
  });

  /** An SSE upstream that writes `first` and then `tick` events; resolves `closed` when its response closes. */
  async function sseUpstream(ticks: boolean) {
    let closed: () => void = () => undefined;
    const upstreamClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    upstream = await startFakeUpstream((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: first\n\n");
      const timer = ticks ? setInterval(() => response.write("data: tick\n\n"), 5) : undefined;
      response.on("close", () => {
        clearInterval(timer);
        closed();
      });
    });
    return { url: upstream.url, upstreamClosed };
  }

  it("stopping early releases the upstream request", async () => {
    const { url, upstreamClosed } = await sseUpstream(true);
    const answer = await client.request({ method: "POST", url: `${url}/s`, body: "{}" });
    for await (const chunk of answer.body) {
      expect(Buffer.from(chunk).toString()).toContain("data: first");
      break;
    }
    await upstreamClosed;
  });

  it("a read still pending when the reader stops fails as aborted, and the upstream request is released", async () => {
    const { url, upstreamClosed } = await sseUpstream(false);
    const answer = await client.request({ method: "POST", url: `${url}/s`, body: "{}" });
    const chunks = answer.body[Symbol.asyncIterator]();
    expect((await chunks.next()).done).toBe(false);
    const pending = chunks.next();
    await chunks.return?.();
    await expect(pending).rejects.toMatchObject({ name: "UpstreamError", kind: "aborted" });
    await upstreamClosed;
  });

  it("text() reads the whole body when the iterator was never used", async () => {
    upstream = await startFakeUpstream((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"a":');
      setTimeout(() => response.end("1}"), 10);
    });
    const answer = await client.request({ method: "GET", url: `${upstream.url}/j` });
    expect(await answer.json()).toEqual({ a: 1 });
  });
});
