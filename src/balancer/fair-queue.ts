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
    for (const priority of PRIORITIES) {
      const lane = this.lanes[priority];
      for (const [key, queue] of lane) {
        const item = queue.shift();
        lane.delete(key);
        if (queue.length > 0) lane.set(key, queue);
        this.count -= 1;
        return item;
      }
    }
    return undefined;
  }

  /** Removes one item wherever it waits (timeout, client gone); false when it is not queued. */
  remove(item: T): boolean {
    for (const priority of PRIORITIES) {
      const lane = this.lanes[priority];
      for (const [key, queue] of lane) {
        const index = queue.indexOf(item);
        if (index < 0) continue;
        queue.splice(index, 1);
        if (queue.length === 0) lane.delete(key);
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
