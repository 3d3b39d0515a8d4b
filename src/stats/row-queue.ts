// Owns a FIFO of rows kept in one array that is reused from flush to flush. Pure.
//
// Measured reason (a sampling heap profile of the objects V8's full collections freed, bench load at c=100):
// the recorder's history FIFO used to start over with a fresh array after every flush and grow it again
// row by row; each grown copy lived until the next flush, long enough to be promoted to the old generation,
// and those copies were a tenth of all the garbage promoted. Here a drained queue starts again at index 0
// of the same array, whose slots are cleared so the rows themselves can be collected.

/** Above this many slots a drained queue lets its array go (a backlog after an outage, not the usual load). */
const SLOTS_KEPT = 16_384;
/** Dropped or taken slots at the front that make a not-yet-drained queue move its rows to the start. */
const COMPACT_AFTER = 1024;

export class RowQueue<T> {
  private slots: (T | undefined)[] = [];
  /** The oldest waiting row's index; rows wait in slots[head, end). */
  private head = 0;
  private end = 0;

  get size(): number {
    return this.end - this.head;
  }

  push(row: T): void {
    this.slots[this.end] = row;
    this.end += 1;
  }

  /** Removes and returns the oldest `count` rows (all of them when fewer wait), oldest first. */
  shift(count: number): T[] {
    const to = Math.min(this.end, this.head + count);
    const taken = this.slots.slice(this.head, to) as T[];
    this.release(to);
    return taken;
  }

  /** Forgets the oldest `count` rows. */
  drop(count: number): void {
    this.release(Math.min(this.end, this.head + count));
  }

  /** Puts rows back in front of the waiting ones (a failed write's rows), keeping their order. */
  unshift(rows: readonly T[]): void {
    this.slots = rows.concat(this.slots.slice(this.head, this.end) as T[]);
    this.head = 0;
    this.end = this.slots.length;
  }

  /** The rows before index `to` are gone: clears their slots, starts over or compacts. */
  private release(to: number): void {
    this.slots.fill(undefined, this.head, to);
    this.head = to;
    if (this.head === this.end) {
      this.head = 0;
      this.end = 0;
      if (this.slots.length > SLOTS_KEPT) this.slots = [];
    } else if (this.head > COMPACT_AFTER && this.head * 2 > this.end) {
      this.slots.copyWithin(0, this.head, this.end);
      this.end -= this.head;
      this.slots.fill(undefined, this.end, this.end + this.head);
      this.head = 0;
    }
  }
}
