// Owns a streamed multipart request body on its way upstream: read only as far as its `model` field,
// then relayed byte for byte with that value replaced per endpoint; the rest is retained up to a replay
// bound so an attempt that failed before the first response byte can be retried elsewhere. Invariants:
// at most `maxBytes` are ever read from the client; at most `replayBytes` of the streamed rest are held.
import { AppError } from "../errors.js";
import { boundaryOf, type FoundField, MultipartScanner } from "../http/multipart-scan.js";

/** Streamed bytes held for a retry elsewhere: bodies up to this size fail over after any upstream failure. */
export const REPLAY_BYTES = 4 * 1024 * 1024;

const encoder = new TextEncoder();

function tooLarge(maxBytes: number): AppError {
  return new AppError("payload_too_large", `Request body exceeds ${maxBytes} bytes`, {
    code: "request_too_large",
  });
}

export class UploadBody {
  /** Set when reading the client's body failed (too large, cut short): the request is the client's error. */
  clientError: AppError | null = null;
  private retained: Uint8Array[] = [];
  private retainedBytes = 0;
  private overflowed = false;
  private liveChunks = 0;
  private total: number;
  private reading: Promise<unknown> = Promise.resolve();
  /** Reads from the client already started, oldest first (never rejecting: errors are values). */
  private readonly ahead: Promise<Settled>[] = [];
  private generation = 0;

  private constructor(
    readonly contentType: string,
    /** The model the client named. */
    readonly model: string,
    /** Bytes before the model value, and after it up to where the scan stopped reading. */
    private readonly before: Uint8Array[],
    private readonly after: Uint8Array[],
    private readonly live: AsyncIterator<Uint8Array>,
    private readonly maxBytes: number,
    private readonly replayBytes: number,
    headBytes: number,
  ) {
    this.total = headBytes;
  }

  /** Reads until the `model` field is complete; AppError 400/413 for a body that is not a usable form. */
  static async open(
    source: AsyncIterable<Uint8Array>,
    contentType: string | undefined,
    maxBytes: number,
    replayBytes = REPLAY_BYTES,
  ): Promise<UploadBody> {
    const scanner = new MultipartScanner(boundaryOf(contentType), "model");
    const live = source[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let read = 0;
    let found: FoundField | null = null;
    while (!found) {
      const next = await readClient(live);
      if (next.done) throw scanner.end();
      read += next.value.length;
      if (read > maxBytes) {
        await live.return?.();
        throw tooLarge(maxBytes);
      }
      head.push(next.value);
      found = scanner.push(next.value);
    }
    const model = found.value.trim();
    if (model === "") {
      throw new AppError("bad_request", "model is required", { code: "missing_field", param: "model" });
    }
    return new UploadBody(
      contentType as string,
      model,
      slice(head, 0, found.start),
      slice(head, found.end, read),
      live,
      maxBytes,
      replayBytes,
      read,
    );
  }

  /** false once the streamed rest outgrew the replay bound: a failed attempt can no longer be retried. */
  get replayable(): boolean {
    return !this.overflowed;
  }

  /** The body for one attempt, naming the model `upstreamModel`; a newer attempt ends older ones. */
  async *attempt(upstreamModel: string): AsyncIterable<Uint8Array> {
    const generation = ++this.generation;
    yield* this.before;
    yield encoder.encode(upstreamModel);
    yield* this.after;
    for (let index = 0; generation === this.generation; index++) {
      const held = this.retained[index];
      if (held) {
        yield held;
        continue;
      }
      if (index < this.liveChunks) throw new Error("the upload outgrew the replay buffer");
      const chunk = await this.readLive();
      if (!chunk) return;
      yield chunk;
    }
  }

  /** The next chunk from the client, one reader at a time; retained while the replay bound allows. */
  private readLive(): Promise<Uint8Array | null> {
    const next = this.reading.then(async () => {
      const read = await (this.ahead.shift() ?? settle(readClient(this.live)));
      // Keep reading from the client while the upstream drains (bounded): the two transfers overlap.
      while (this.ahead.length < PREFETCH_CHUNKS) this.ahead.push(settle(readClient(this.live)));
      if ("error" in read) {
        this.clientError ??= read.error as AppError;
        throw read.error;
      }
      const result = read.result;
      if (result.done) return null;
      const chunk = result.value;
      this.total += chunk.length;
      if (this.total > this.maxBytes) {
        this.clientError ??= tooLarge(this.maxBytes);
        await this.live.return?.();
        throw this.clientError;
      }
      this.liveChunks++;
      if (!this.overflowed) {
        this.retainedBytes += chunk.length;
        if (this.retainedBytes > this.replayBytes) {
          this.overflowed = true;
          this.retained = [];
        } else this.retained.push(chunk);
      }
      return chunk;
    });
    this.reading = next.catch(() => undefined);
    return next;
  }
}

/** Client reads started ahead of the upstream (each a socket chunk, ≤ 64 KiB on Node). */
const PREFETCH_CHUNKS = 16;

type Settled = { result: IteratorResult<Uint8Array> } | { error: unknown };

function settle(read: Promise<IteratorResult<Uint8Array>>): Promise<Settled> {
  return read.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
}

/** One read from the client's body; a failed read is the client's 400. */
async function readClient(live: AsyncIterator<Uint8Array>): Promise<IteratorResult<Uint8Array>> {
  try {
    return await live.next();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("bad_request", "Could not read the request body", {
      code: "incomplete_body",
      cause: error,
    });
  }
}

/** Views of the bytes [from, to) of a chunk list (absolute offsets; no copy). */
function slice(chunks: Uint8Array[], from: number, to: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    const start = Math.max(from - offset, 0);
    const end = Math.min(to - offset, chunk.length);
    if (start < end) out.push(chunk.subarray(start, end));
    offset += chunk.length;
  }
  return out;
}
