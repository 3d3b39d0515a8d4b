// StreamSource: every pull forwards something or ends the stream — a pull that enqueues nothing is never
// called again (WHATWG streams), which stalled streams on workerd, whose fetch bodies arrive in small pieces.
import { describe, expect, it } from "vitest";
import type { Exchange } from "../../src/proxy/exchange.js";
import { decide, type Ending, type Outcome } from "../../src/proxy/outcome.js";
import { SseRelay } from "../../src/proxy/sse-relay.js";
import { StreamSource } from "../../src/proxy/stream-source.js";
import { approximateTokens } from "../../src/proxy/token-counter.js";
import { UsageMeter } from "../../src/proxy/usage-meter.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

const event = (content: string) =>
  `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta: { content } }] })}\n\n`;

async function* pieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = enc.encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

function fakeController() {
  const chunks: Uint8Array[] = [];
  let closed = false;
  const controller = {
    enqueue: (chunk: Uint8Array) => void chunks.push(chunk),
    close: () => {
      closed = true;
    },
  } as unknown as ReadableStreamDefaultController<Uint8Array>;
  return { controller, chunks, closed: () => closed };
}

describe("StreamSource", () => {
  it("forwards at least one chunk per pull when the upstream delivers lines in pieces (relay holding lines back)", async () => {
    const endings: Ending[] = [];
    const exchange = {
      clientGone: false,
      finish: (outcome: Outcome) => endings.push(decide(outcome)),
    } as unknown as Exchange;
    // dropUsageOnly: the relay edits the stream, so it forwards complete lines only.
    const relay = new SseRelay(
      new UsageMeter({ count: approximateTokens, loaded: async () => false }),
      true,
      null,
    );
    const text = `${event("one")}${event("two")}data: [DONE]\n\n`;
    const source = new StreamSource(exchange, relay, pieces(text, 7)[Symbol.asyncIterator](), null, 200);
    const { controller, chunks, closed } = fakeController();

    while (!closed()) {
      const before = chunks.length;
      await source.pull(controller);

      expect(chunks.length > before || closed()).toBe(true);
    }
    expect(dec.decode(Buffer.concat(chunks))).toBe(text);
    expect(endings).toEqual([{ statusCode: 200, error: null, verdict: "success" }]);
  });
});
