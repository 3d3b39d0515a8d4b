// Reading a request body as text on the standard Request (Bun, Workers): a declared length within the
// limit is read in one call, multi-byte text intact; a declared length over the limit and an undeclared body
// that grows past it are both refused with 413 request_too_large.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
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
