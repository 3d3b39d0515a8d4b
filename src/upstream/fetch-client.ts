// Owns the fetch-based upstream client (Bun, Workers): headers and idle-between-chunks timeouts via abort.
import { type UpstreamClient, UpstreamError, type UpstreamRequest, type UpstreamResponse } from "./types.js";

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

function headersToRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name.toLowerCase()] = value;
  });
  return record;
}

function isStreamed(body: UpstreamRequest["body"]): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

/** A streamed body as a hand-written ReadableStream (pulled on demand: backpressure reaches the source). */
function requestBody(body: UpstreamRequest["body"]): BodyInit | undefined {
  if (!isStreamed(body)) return body as BodyInit | undefined;
  const iterator = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

export function createFetchClient(fetchImpl: Fetch = fetch): UpstreamClient {
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
          body: requestBody(upstreamRequest.body),
          // Required by fetch for a streamed request body (undici, Bun and workerd accept it).
          ...(isStreamed(upstreamRequest.body) && { duplex: "half" }),
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
        discard: async () => {
          finish();
          await response.body?.cancel().catch(() => undefined);
        },
      };
    },
    close: async () => undefined,
  };
}
