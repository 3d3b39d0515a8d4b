// Relayed streams written straight to Node's connection (src/runtime/node-stream-reply.ts), through a real
// @hono/node-server and real node:http clients: the head and every chunk in order, a reader that stops
// reading stops the pulls, a client that leaves cancels the source once, a source failure aborts the
// answer, and anything the proxy did not mark (or the same Response read as a web stream) goes the usual way.
// Given the connection, the stream goes out before the app has answered, and the app's answer cannot
// write over it.
import { type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type HttpBindings, serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { type NodeStreamReplies, nodeStreamReplies } from "../../src/runtime/node-stream-reply.js";
import { eventually } from "../fixtures/llmlb-process.js";

type Source = UnderlyingDefaultSource<Uint8Array>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A source like the proxy's: its head in start(), then one chunk per pull, counting what it was asked. */
class CountingSource implements Source {
  pulls = 0;
  cancels = 0;

  constructor(
    private readonly chunks: Uint8Array[] | ((index: number) => Uint8Array),
    private readonly failAt: number | null = null,
  ) {}

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    controller.enqueue(this.chunk(0));
  }

  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    this.pulls++;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failAt === this.pulls) return controller.error(new Error("the upstream failed"));
    if (Array.isArray(this.chunks) && this.pulls >= this.chunks.length) return controller.close();
    controller.enqueue(this.chunk(this.pulls));
  }

  cancel(): void {
    this.cancels++;
  }

  private chunk(index: number): Uint8Array {
    return Array.isArray(this.chunks) ? (this.chunks[index] as Uint8Array) : this.chunks(index);
  }
}

let close: (() => void) | null = null;
afterEach(() => {
  close?.();
  close = null;
});

/** Serves `answer()` on node-server, with the Node entry's hand-off of marked Responses. */
async function serveReplies(
  answer: (replies: NodeStreamReplies, connection: ServerResponse) => Response | Promise<Response>,
): Promise<string> {
  const replies = nodeStreamReplies();
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get("/", (c) => answer(replies, c.env.outgoing as ServerResponse));
  const server = serve({
    fetch: async (req, env) => replies.send(await app.fetch(req, env), env.outgoing),
    hostname: "127.0.0.1",
    port: 0,
  });
  await new Promise((resolve) => server.once("listening", resolve));
  close = () => server.close();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function get(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request(url, resolve).on("error", reject).end());
}

async function text(response: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of response) body += decoder.decode(chunk as Uint8Array, { stream: true });
  return body;
}

const sse = (n: number) => encoder.encode(`data: ${n}\n\n`);

describe("node stream replies", () => {
  it("writes a marked stream's head and every chunk in order, then ends the answer", async () => {
    const source = new CountingSource([sse(0), sse(1), sse(2)]);
    const url = await serveReplies((replies) =>
      replies.reply(source, 201, { "content-type": "text/event-stream", "x-request-id": "r1" }),
    );
    const response = await get(url);
    expect(response.statusCode).toBe(201);
    expect(response.headers["content-type"]).toBe("text/event-stream");
    expect(response.headers["x-request-id"]).toBe("r1");
    expect(response.headers["x-hono-already-sent"]).toBeUndefined();
    expect(await text(response)).toBe("data: 0\n\ndata: 1\n\ndata: 2\n\n");
    expect(source.cancels).toBe(0);
  });

  it("the same Response read as a web stream (not handed to the connection) yields every chunk", async () => {
    const source = new CountingSource([sse(0), sse(1), sse(2)]);
    const response = nodeStreamReplies().reply(source, 200, {});
    expect(source.pulls).toBe(0);
    expect(await response.text()).toBe("data: 0\n\ndata: 1\n\ndata: 2\n\n");
  });

  it("stops pulling while the client does not read, and resumes when it does", async () => {
    const chunk = new Uint8Array(64 * 1024).fill(120);
    const total = 400; // 25 MiB: more than the sockets buffer between server and client
    const source = new CountingSource(Array.from({ length: total }, () => chunk));
    const url = await serveReplies((replies) => replies.reply(source, 200, {}));
    const response = await get(url);
    response.pause();
    let seen = -1;
    await eventually(async () => {
      const settled = source.pulls === seen;
      seen = source.pulls;
      if (settled) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return undefined;
    }, "the pulls to stop while the client does not read");
    expect(source.pulls).toBeLessThan(total - 1);
    let bytes = 0;
    response.resume();
    for await (const part of response) bytes += (part as Uint8Array).length;
    expect(bytes).toBe(total * chunk.length);
  });

  it("cancels the source once when the client leaves mid-stream, and pulls no more", async () => {
    const source = new CountingSource(() => sse(1));
    const url = await serveReplies((replies) => replies.reply(source, 200, {}));
    const response = await get(url);
    await new Promise((resolve) => response.once("data", resolve));
    response.destroy();
    await eventually(async () => (source.cancels === 1 ? true : undefined), "the source cancelled");
    const pulls = source.pulls;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(source.pulls).toBeLessThanOrEqual(pulls + 1);
    expect(source.cancels).toBe(1);
  });

  it("aborts the answer when the source fails after its first chunk", async () => {
    const source = new CountingSource(() => sse(1), 2);
    const url = await serveReplies((replies) => replies.reply(source, 200, {}));
    const response = await get(url);
    await expect(text(response)).rejects.toThrow(/aborted/);
    expect(source.cancels).toBe(0);
  });

  it("given the connection, writes the stream before the app has answered, and only once", async () => {
    const sources: CountingSource[] = [];
    let answerApp: () => void = () => undefined;
    const appAnswered = new Promise<void>((resolve) => {
      answerApp = resolve;
    });
    const url = await serveReplies(async (replies, connection) => {
      const source = new CountingSource([sse(0), sse(1), sse(2)]);
      sources.push(source);
      const reply = replies.reply(source, 200, { "x-request-id": "r2" }, connection);
      await appAnswered;
      return reply;
    });
    const response = await get(url);
    expect(response.headers["x-request-id"]).toBe("r2");
    // The whole answer arrives while the app's handler is still waiting.
    expect(await text(response)).toBe("data: 0\n\ndata: 1\n\ndata: 2\n\n");
    expect(response.headers["x-hono-already-sent"]).toBeUndefined();
    answerApp();
    // The app's answer then writes nothing over it: the server goes on answering.
    const next = await get(url);
    expect(await text(next)).toBe("data: 0\n\ndata: 1\n\ndata: 2\n\n");
    expect(sources.map((source) => source.pulls)).toEqual([3, 3]);
  });

  it("keeps a started stream on its connection when the app answers with another Response", async () => {
    const source = new CountingSource([sse(0), sse(1)]);
    let replacementCancelled = false;
    const url = await serveReplies((replies, connection) => {
      replies.reply(source, 200, {}, connection);
      const replacement = new ReadableStream({
        cancel: () => {
          replacementCancelled = true;
        },
      });
      return new Response(replacement, { status: 500 });
    });
    const response = await get(url);
    expect(response.statusCode).toBe(200);
    expect(await text(response)).toBe("data: 0\n\ndata: 1\n\n");
    expect(replacementCancelled).toBe(true);
  });

  it("leaves any Response the proxy did not mark to node-server", async () => {
    const url = await serveReplies(
      () => new Response("plain", { status: 202, headers: { "x-kind": "plain" } }),
    );
    const response = await get(url);
    expect(response.statusCode).toBe(202);
    expect(response.headers["x-kind"]).toBe("plain");
    expect(await text(response)).toBe("plain");
  });
});
