// Reading a request body as text on the standard Request (Bun, Workers): a declared length within the
// limit is read in one call, multi-byte text intact; a declared length over the limit and an undeclared body
// that grows past it are both refused with 413 request_too_large. On Node (a real @hono/node-server and raw
// sockets, so the test decides how the body arrives): a body sent with its headers, one sent in pieces, and
// an undeclared one over the limit either way.
import { connect } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.js";
import { readBodyText } from "../../src/http/body-text.js";

const LIMIT = 64;

function app(): Hono {
  const hono = new Hono();
  hono.post("/", async (c) => c.json({ text: await readBodyText(c, LIMIT) }));
  hono.onError((error, c) =>
    error instanceof AppError ? c.json({ code: error.code }, 413) : c.json({ code: "other" }, 500),
  );
  return hono;
}

const encoder = new TextEncoder();

/** A body stream with no declared length, in pieces of `piece` bytes. */
function undeclared(text: string, piece: number): ReadableStream<Uint8Array> {
  const bytes = encoder.encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + piece));
      offset += piece;
    },
  });
}

describe("readBodyText on a standard Request", () => {
  it("reads a body of declared length whole, multi-byte characters intact", async () => {
    const text = "größe: 12 € — ok";
    const response = await app().request("/", {
      method: "POST",
      headers: { "content-length": String(encoder.encode(text).length) },
      body: text,
    });
    expect(await response.json()).toEqual({ text });
  });

  it("refuses a declared length over the limit before reading", async () => {
    const response = await app().request("/", {
      method: "POST",
      headers: { "content-length": String(LIMIT + 1) },
      body: "x".repeat(LIMIT + 1),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ code: "request_too_large" });
  });

  it("reads an undeclared body chunk by chunk, and refuses it once it passes the limit", async () => {
    const small = "ü".repeat(20); // 40 bytes in pieces of 7: a character split across pieces
    const ok = await app().request("/", {
      method: "POST",
      body: undeclared(small, 7),
      duplex: "half",
    } as RequestInit);
    expect(await ok.json()).toEqual({ text: small });
    const big = await app().request("/", {
      method: "POST",
      body: undeclared("y".repeat(LIMIT * 4), 16),
      duplex: "half",
    } as RequestInit);
    expect(big.status).toBe(413);
  });
});

describe("readBodyText on Node's IncomingMessage", () => {
  let server: ServerType | null = null;
  afterEach(() => {
    server?.close();
    server = null;
  });

  async function listen(): Promise<number> {
    server = serve({ fetch: app().fetch, hostname: "127.0.0.1", port: 0 });
    await new Promise((resolve) => server?.once("listening", resolve));
    return (server.address() as { port: number }).port;
  }

  /** Sends `parts` on one connection (`pauseMs` between them) and returns the response's status and body. */
  function exchange(port: number, parts: string[], pauseMs = 0): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let received = "";
      socket.on("data", (chunk) => {
        received += chunk.toString("utf8");
      });
      socket.on("error", reject);
      socket.on("close", () => {
        const [head = "", body = ""] = received.split("\r\n\r\n");
        resolve({ status: Number(head.split(" ")[1]), body });
      });
      void (async () => {
        for (const part of parts) {
          socket.write(part);
          await new Promise((wait) => setTimeout(wait, pauseMs));
        }
      })();
    });
  }

  const head = (length: number | null) =>
    `POST / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n${
      length === null ? "transfer-encoding: chunked" : `content-length: ${length}`
    }\r\n\r\n`;
  const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;

  it("reads a body sent with its headers, multi-byte characters intact", async () => {
    const port = await listen();
    const text = "größe: 12 € — ok";
    const answer = await exchange(port, [head(Buffer.byteLength(text)) + text]);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ text });
  });

  it("reads a body sent in pieces", async () => {
    const port = await listen();
    const answer = await exchange(
      port,
      [head(null), chunk("first half, "), `${chunk("second half")}0\r\n\r\n`],
      30,
    );
    expect(JSON.parse(answer.body)).toEqual({ text: "first half, second half" });
  });

  it("refuses an undeclared body over the limit, sent at once or in pieces", async () => {
    const port = await listen();
    const big = "z".repeat(LIMIT + 1);
    const whole = await exchange(port, [`${head(null)}${chunk(big)}0\r\n\r\n`]);
    expect(whole.status).toBe(413);
    expect(JSON.parse(whole.body)).toEqual({ code: "request_too_large" });
    const arriving = await exchange(port, [head(null), chunk(big.slice(0, 40)), chunk(big.slice(40))], 30);
    expect(arriving.status).toBe(413);
  });
});
