// Owns the order in which requests waiting for a model are served: `interactive` before `batch`, and
// within a priority the keys take turns (round robin over keys, FIFO within a key), so one key's burst
// cannot starve the others. Pure: no timers, no I/O.

export const PRIORITIES = ["interactive", "batch"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** One priority class: keys with waiting items, in turn order (the next to serve first). */
type Lane<T> = Map<string, T[]>;

export class FairQueue<T> {
  private readonly lanes: Record<Priority, Lane<T>> = { interactive: new Map(), batch: new Map() };
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T, key: string, priority: Priority): void {
    const lane = this.lanes[priority];
    const queue = lane.get(key);
    if (queue) queue.push(item);
    else lane.set(key, [item]);
    this.count += 1;
  }

  /** The item to serve next, without taking it. */
  peek(): T | undefined {
    for (const priority of PRIORITIES) {
      for (const queue of this.lanes[priority].values()) return queue[0];
    }
    return undefined;
  }

  /** Takes the item peek() returned; its key moves to the back of its lane's turn order. */
  shift(): T | undefined {
    const item = this.peek();
    if (item !== undefined) this.take(item);
    return item;
  }

  /**
   * The waiting items in the order they would be served if nothing joined or left: interactive before
   * batch, and within a priority the keys' heads in turn, then their second items, and so on.
   */
  *inOrder(): Generator<T> {
    for (const priority of PRIORITIES) {
      const queues = [...this.lanes[priority].values()];
      for (let depth = 0; queues.some((queue) => queue.length > depth); depth += 1) {
        for (const queue of queues) if (queue.length > depth) yield queue[depth] as T;
      }
    }
  }

  /**
   * Serves one item out of order (the ones ahead of it cannot go yet): it leaves the queue and its key
   * moves to the back of its lane's turn order, as if it had been served at its turn. False when absent.
   */
  take(item: T): boolean {
    return this.extract(item, true);
  }

  /** Removes one item wherever it waits (timeout, client gone); false when it is not queued. */
  remove(item: T): boolean {
    return this.extract(item, false);
  }

  /** Takes item out of its key's queue; `toBack` also moves that key behind the lane's other keys. */
  private extract(item: T, toBack: boolean): boolean {
    for (const priority of PRIORITIES) {
      const lane = this.lanes[priority];
      for (const [key, queue] of lane) {
        const index = queue.indexOf(item);
        if (index < 0) continue;
        queue.splice(index, 1);
        if (toBack || queue.length === 0) lane.delete(key);
        if (toBack && queue.length > 0) lane.set(key, queue);
        this.count -= 1;
        return true;
      }
    }
    return false;
  }

  /**
   * The item a full queue gives up for a newcomer of `priority`: the newest waiter of the lower class,
   * from the key with the most waiting; undefined when only the same or higher class waits.
   */
  evictable(priority: Priority): T | undefined {
    if (priority !== "interactive") return undefined;
    let longest: T[] | undefined;
    for (const queue of this.lanes.batch.values())
      if (!longest || queue.length > longest.length) longest = queue;
    return longest?.[longest.length - 1];
  }
}
