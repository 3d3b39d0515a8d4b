// Owns the "collect garbage soon" hint after large streamed request bodies (uploads). Every relayed chunk is
// a fresh buffer from the client's body, garbage once sent; its memory returns only when the runtime's
// collector runs, and a quiet process with few allocations of its own may not collect for many uploads.

/** Streamed request bytes after which the end of an exchange asks for a collection. */
export const GC_HINT_BYTES = 4 * 1024 * 1024;

/**
 * Counts streamed request bytes; `exchangeDone` calls `collectGarbage` once GC_HINT_BYTES or more were
 * streamed (all requests together) since the last call. Never in mid-stream: a collection then keeps the
 * chunks still held (replay buffer, in flight) alive into the old generation, and RSS grew more than
 * without any hint (bench section 9, Bun).
 */
export function garbageHint(collectGarbage: (() => void) | undefined) {
  let streamedSinceHint = 0;
  return {
    streamed: (bytes: number) => {
      streamedSinceHint += bytes;
    },
    exchangeDone: () => {
      if (streamedSinceHint < GC_HINT_BYTES || !collectGarbage) return;
      streamedSinceHint = 0;
      collectGarbage();
    },
  };
}
