// The client's cancellation signal on Node: aborted when the response closes before it finished (the client
// went away), never after a finished response; listeners run once, removed ones never. Driven by a real
// node:http exchange (a client that disconnects, and one that reads its whole answer).
import { once } from "node:events";
import { createServer, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { clientSignal } from "../../src/http/client-signal.js";
import type { CancelSignal } from "../../src/upstream/types.js";

/** A server whose handler hands each response's signal (and the response) to `onRequest`. */
async function serverWith(onRequest: (signal: CancelSignal, response: ServerResponse) => void) {
  const server = createServer((incoming, outgoing) => {
    onRequest(clientSignal({ env: { incoming, outgoing } } as unknown as Context), outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

describe("clientSignal on Node", () => {
  it("aborts once when the client disconnects before the answer, calling each remaining listener once", async () => {
    const calls: string[] = [];
    let signal: CancelSignal | undefined;
    let lastListener: () => void = () => undefined;
    const aborted = new Promise<void>((resolve) => {
      lastListener = () => {
        calls.push("second");
        resolve();
      };
    });
    const { server, url } = await serverWith((s) => {
      signal = s;
      const removed = () => calls.push("removed");
      s.addEventListener("abort", () => calls.push("first"), { once: true });
      s.addEventListener("abort", removed);
      s.addEventListener("abort", lastListener);
      s.removeEventListener("abort", removed);
      // The client leaves while the handler has not answered yet.
      client.destroy();
    });
    const client = request(url);
    client.on("error", () => undefined);
    client.end();
    await aborted;
    server.close();
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(Error);
    expect(calls).toEqual(["first", "second"]);
  });

  it("stays unaborted after a finished answer, even once the connection closes", async () => {
    let signal: CancelSignal | undefined;
    let listened = 0;
    let closed: Promise<unknown> = Promise.resolve();
    const { server, url } = await serverWith((s, response) => {
      signal = s;
      s.addEventListener("abort", () => listened++);
      closed = once(response, "close");
      response.end("done");
    });
    const answer = await fetch(url, { headers: { connection: "close" } });
    expect(await answer.text()).toBe("done");
    await closed;
    server.close();
    expect(signal?.aborted).toBe(false);
    expect(listened).toBe(0);
  });
});
