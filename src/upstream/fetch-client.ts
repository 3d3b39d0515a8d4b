// Owns the fetch-based upstream client (Bun, Workers): headers and idle-between-chunks timeouts via abort.
import { garbageHint } from "./garbage-hint.js";
import {
  isStreamedBody,
  type UpstreamClient,
  UpstreamError,
  type UpstreamRequest,
  type UpstreamResponse,
} from "./types.js";

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface FetchClientOptions {
  /**
   * Asks the runtime to collect garbage soon (Bun: `Bun.gc(false)`, which does not block). Called when an
   * upstream exchange ends (answer read, discarded or failed) once GC_HINT_BYTES or more of request bodies
   * were streamed (all requests together) since the last call. Every relayed chunk is a fresh buffer from
   * the client's body, garbage once sent and released only when JSC collects and sweeps it: without the
   * hint Bun's RSS rose 40–60 MiB over a run of 10 MiB uploads (bench section 9), with it 3–28 MiB. Never
   * in mid-stream: a collection then keeps the chunks still held (replay buffer, in flight) alive into the
   * old generation, and RSS grew more than without any hint.
   */
  collectGarbage?: () => void;
}

function headersToRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name.toLowerCase()] = value;
  });
  return record;
}

/**
 * A streamed body as a hand-written ReadableStream (pulled on demand: backpressure reaches the source);
 * `streamed` is told the size of each chunk handed over.
 */
function requestBody(body: UpstreamRequest["body"], streamed: (bytes: number) => void): BodyInit | undefined {
  if (!isStreamedBody(body)) return body as BodyInit | undefined;
  const iterator = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else {
        controller.enqueue(next.value);
        streamed(next.value.byteLength);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

export function createFetchClient(
  fetchImpl: Fetch = fetch,
  options: FetchClientOptions = {},
): UpstreamClient {
  const hint = garbageHint(options.collectGarbage);
  return {
    async request(upstreamRequest: UpstreamRequest): Promise<UpstreamResponse> {
      const controller = new AbortController();
      let timedOut: UpstreamError | null = null;
      const onCallerAbort = () => controller.abort();
      upstreamRequest.signal?.addEventListener("abort", onCallerAbort, { once: true });
      if (upstreamRequest.signal?.aborted) controller.abort();

      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = (ms: number | undefined, message: string) => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        if (!ms) return;
        timer = setTimeout(() => {
          timedOut = new UpstreamError("timeout", message);
          controller.abort();
        }, ms);
      };
      const finish = () => {
        if (timer !== undefined) clearTimeout(timer);
        upstreamRequest.signal?.removeEventListener("abort", onCallerAbort);
        hint.exchangeDone();
      };
      const classify = (error: unknown): UpstreamError => {
        if (timedOut) return timedOut;
        if (upstreamRequest.signal?.aborted) {
          return new UpstreamError("aborted", "request aborted by the client", { cause: error });
        }
        const message = error instanceof Error ? error.message : String(error);
        return new UpstreamError("connect", `upstream connection failed: ${message}`, { cause: error });
      };

      arm(upstreamRequest.headersTimeoutMs, "upstream sent no response headers in time");
      let response: Response;
      try {
        response = await fetchImpl(upstreamRequest.url, {
          method: upstreamRequest.method,
          headers: upstreamRequest.headers,
          body: requestBody(upstreamRequest.body, hint.streamed),
          // Required by fetch for a streamed request body (undici, Bun and workerd accept it).
          ...(isStreamedBody(upstreamRequest.body) && { duplex: "half" }),
          signal: controller.signal,
          // Like undici on Node: a 3xx comes back as is, never followed with the endpoint's key.
          redirect: "manual",
        });
      } catch (error) {
        finish();
        throw classify(error);
      }
      const idleMs = upstreamRequest.bodyTimeoutMs;
      const idleMessage = "upstream stalled between chunks";
      arm(idleMs, idleMessage);

      async function* chunks(): AsyncIterable<Uint8Array> {
        if (!response.body) {
          finish();
          return;
        }
        const reader = response.body.getReader();
        try {
          while (true) {
            const { done, value } = await reader.read();
            if (done) return;
            arm(idleMs, idleMessage);
            yield value;
          }
        } catch (error) {
          throw classify(error);
        } finally {
          finish();
          reader.releaseLock();
        }
      }

      const readAll = async (): Promise<string> => {
        const decoder = new TextDecoder();
        let text = "";
        for await (const chunk of chunks()) text += decoder.decode(chunk, { stream: true });
        return text + decoder.decode();
      };

      return {
        status: response.status,
        headers: headersToRecord(response.headers),
        body: chunks(),
        text: readAll,
        json: async () => JSON.parse(await readAll()),
        // Measured reason (Bun, CPU profile at c=50): reading a non-streamed answer through response.body
        // built a JavaScript ReadableStream over Bun's native body for every answer (≈ 15 % of busy samples
        // in its start callback alone); arrayBuffer() reads natively: +10 % req/s (medians of six slices).
        // The idle timer armed after the headers is not re-armed per chunk here.
        bytes: async () => {
          try {
            return new Uint8Array(await response.arrayBuffer());
          } catch (error) {
            throw classify(error);
          } finally {
            finish();
          }
        },
        discard: async () => {
          finish();
          await response.body?.cancel().catch(() => undefined);
        },
      };
    },
    close: async () => undefined,
  };
}
