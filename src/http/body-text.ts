// Owns reading a request body as text under a byte limit (413 above it). On Node it reads the
// IncomingMessage that @hono/node-server exposes, skipping the web Request and stream adapters it would
// otherwise build for every request; elsewhere it reads the standard Request body (in one native read when
// its length is declared, chunk by chunk with the limit counted otherwise).
import type { Context } from "hono";
import { AppError } from "../errors.js";

/** The part of Node's IncomingMessage used here (duck-typed: this module imports nothing from Node). */
interface NodeIncoming {
  readableDidRead: boolean;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("payload_too_large", `Request body exceeds ${maxBytes} bytes`, {
    code: "request_too_large",
  });
}

function nodeIncoming(c: Context): NodeIncoming | null {
  const incoming = (c.env as { incoming?: Partial<NodeIncoming> } | undefined)?.incoming;
  // Untouched only: once anything else started reading, the standard path is the safe one.
  return incoming && typeof incoming.on === "function" && incoming.readableDidRead === false
    ? (incoming as NodeIncoming)
    : null;
}

/**
 * The request body as it arrives, chunk by chunk, with backpressure (for bodies relayed without being held:
 * uploads). The byte limit is the reader's to enforce; a declared length over it is refused here.
 */
export function bodyChunks(c: Context, maxBytes: number): AsyncIterable<Uint8Array> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const incoming = nodeIncoming(c) as (NodeIncoming & AsyncIterable<Uint8Array>) | null;
  if (incoming && typeof incoming[Symbol.asyncIterator] === "function") return incoming;
  return webChunks(c.req.raw.body);
}

async function* webChunks(body: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

export async function readBodyText(c: Context, maxBytes: number): Promise<string> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const incoming = nodeIncoming(c);
  if (incoming) return readNode(incoming, maxBytes);
  // A declared length (within the limit, checked above) bounds the body — HTTP/1.1 framing: the server reads
  // exactly that many bytes — so the runtime reads it natively.
  // Measured reason (Bun, CPU profile at c=50): reading through c.req.raw.body built a JavaScript
  // ReadableStream over Bun's native body for every request.
  if (declared !== undefined && Number.isSafeInteger(Number(declared))) return c.req.raw.text();
  const body = c.req.raw.body;
  if (!body) return "";
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * Non-streaming decodes keep no state, so one decoder serves every request: a new TextDecoder and a
 * `{ stream: true }` decode per chunk cost ≈ 1 µs per request on Node 20 against 0.07 µs for one decode of
 * the whole body (measured; the per-call option conversion showed in the bench profile).
 */
const utf8 = new TextDecoder();

/** The chunks (`size` bytes in all) as one UTF-8 string, decoded once. */
function decodeAll(chunks: readonly Uint8Array[], size: number): string {
  if (chunks.length === 1) return utf8.decode(chunks[0]);
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.length;
  }
  return utf8.decode(whole);
}

function readNode(incoming: NodeIncoming, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let settled = false;
    incoming.on("data", (chunk) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        settled = true;
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    incoming.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(decodeAll(chunks, size));
    });
    incoming.on("close", () => {
      if (settled) return;
      settled = true;
      reject(
        new AppError("bad_request", "The client closed the connection before sending the body", {
          code: "incomplete_body",
        }),
      );
    });
    incoming.on("error", (error) => {
      if (settled) return;
      settled = true;
      reject(
        new AppError("bad_request", "Could not read the request body", {
          code: "incomplete_body",
          cause: error,
        }),
      );
    });
  });
}
