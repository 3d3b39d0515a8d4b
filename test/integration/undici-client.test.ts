// The Node upstream client (undici dispatch() with our own handler) against a real HTTP server: every byte
// in order, bounded buffering when the reader is slow (the upstream is paused, not read into memory), a
// reset mid-body classified as a connection failure after the bytes that did arrive, an early stop or the
// caller's signal releasing the upstream request, discard keeping or closing the connection by what is left,
// and 1xx answers skipped.
import { afterEach, describe, expect, it } from "vitest";
import { createUndiciClient } from "../../src/upstream/undici-client.js";
import { type FakeUpstream, sendJson, startFakeUpstream } from "../fixtures/fake-upstream.js";

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
  it("the caller's signal fails a request still waiting for its answer as aborted, and releases the upstream", async () => {
    let answered: () => void = () => undefined;
    const requestArrived = new Promise<void>((resolve) => {
      answered = resolve;
    });
    let closed: () => void = () => undefined;
    const upstreamClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    upstream = await startFakeUpstream((_request, response) => {
      response.on("close", closed);
      answered(); // and never answers
    });
    const controller = new AbortController();
    const pending = client.request({
      method: "POST",
      url: `${upstream.url}/slow`,
      body: "{}",
      signal: controller.signal,
    });
    await requestArrived;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "UpstreamError", kind: "aborted" });
    await upstreamClosed;
  });

  it("a signal that fires before the request is under way fails it at once, and the client keeps working", async () => {
    upstream = await startFakeUpstream((_request, response) => sendJson(response, 200, { ok: true }));
    const controller = new AbortController();
    const pending = client.request({ method: "GET", url: `${upstream.url}/a`, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "UpstreamError", kind: "aborted" });
    const next = await client.request({ method: "GET", url: `${upstream.url}/b` });
    expect(await next.json()).toEqual({ ok: true });
  });

  it("the caller's signal fails a pending body read as aborted, and releases the upstream", async () => {
    const { url, upstreamClosed } = await sseUpstream(false);
    const controller = new AbortController();
    const answer = await client.request({
      method: "POST",
      url: `${url}/s`,
      body: "{}",
      signal: controller.signal,
    });
    const chunks = answer.body[Symbol.asyncIterator]();
    expect((await chunks.next()).done).toBe(false);
    const pending = chunks.next();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "UpstreamError", kind: "aborted" });
    await upstreamClosed;
  });

  it("discard() keeps the connection when little is left and closes it when much is", async () => {
    const ports: number[] = [];
    upstream = await startFakeUpstream((request, response) => {
      ports.push(response.socket?.remotePort ?? 0);
      const size = request.path === "/large" ? 4 * 1024 * 1024 : 1024;
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
      response.end(Buffer.alloc(size, 1));
    });
    // undici hands a connection back for reuse one turn after the answer ends.
    const turn = () => new Promise((resolve) => setTimeout(resolve, 10));
    await (await client.request({ method: "GET", url: `${upstream.url}/small` })).discard();
    await turn();
    await (await client.request({ method: "GET", url: `${upstream.url}/large` })).discard();
    await turn();
    await (await client.request({ method: "GET", url: `${upstream.url}/small` })).discard();
    expect(ports).toHaveLength(3);
    expect(ports[1]).toBe(ports[0]);
    expect(ports[2]).not.toBe(ports[1]);
  });

  it("skips a 103 Early Hints answer and joins a repeated header", async () => {
    upstream = await startFakeUpstream((_request, response) => {
      response.writeEarlyHints({ link: "</style.css>; rel=preload" });
      response.setHeader("x-served-by", ["a", "b"]);
      sendJson(response, 200, { final: true });
    });
    const answer = await client.request({ method: "GET", url: `${upstream.url}/hints` });
    expect(answer.status).toBe(200);
    expect(answer.headers["x-served-by"]).toBe("a, b");
    expect(await answer.json()).toEqual({ final: true });
  });
});
