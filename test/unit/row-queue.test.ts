import { describe, expect, it } from "vitest";
import { RowQueue } from "../../src/stats/row-queue.js";

/** What the queue holds, oldest first, read by taking everything (the queue is empty afterwards). */
const drain = (queue: RowQueue<number>) => queue.shift(Number.MAX_SAFE_INTEGER);

describe("row queue", () => {
  it("takes and drops the oldest rows first, and keeps order across many drains and refills", () => {
    const queue = new RowQueue<number>();
    let next = 0;
    for (let round = 0; round < 50; round++) {
      const first = next;
      for (let i = 0; i < 300; i++) queue.push(next++);
      queue.drop(20);
      expect(queue.shift(100)).toEqual(Array.from({ length: 100 }, (_, i) => first + 20 + i));
      expect(queue.size).toBe(180);
      expect(drain(queue)).toEqual(Array.from({ length: 180 }, (_, i) => first + 120 + i));
      expect(queue.size).toBe(0);
    }
  });

  it("keeps rows in order while it moves the waiting ones to the front of its array", () => {
    const queue = new RowQueue<number>();
    for (let i = 0; i < 5000; i++) queue.push(i);
    // Taking past the compaction threshold while rows still wait, then pushing more, many times over.
    let expected = 0;
    let pushed = 5000;
    for (let round = 0; round < 20; round++) {
      const taken = queue.shift(1500);
      expect(taken[0]).toBe(expected);
      expect(taken.at(-1)).toBe(expected + taken.length - 1);
      expected += taken.length;
      for (let i = 0; i < 1400; i++) queue.push(pushed++);
      expect(queue.size).toBe(pushed - expected);
    }
    expect(drain(queue)).toEqual(Array.from({ length: pushed - expected }, (_, i) => expected + i));
  });

  it("puts a failed batch back in front of the rows that came meanwhile", () => {
    const queue = new RowQueue<number>();
    for (let i = 0; i < 10; i++) queue.push(i);
    const batch = queue.shift(4);
    queue.push(10);
    queue.unshift(batch);
    expect(queue.size).toBe(11);
    expect(drain(queue)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    queue.push(11);
    expect(drain(queue)).toEqual([11]);
  });

  it("dropping more rows than wait empties it", () => {
    const queue = new RowQueue<number>();
    for (let i = 0; i < 3; i++) queue.push(i);
    queue.drop(10);
    expect(queue.size).toBe(0);
    expect(queue.shift(5)).toEqual([]);
    queue.push(7);
    expect(drain(queue)).toEqual([7]);
  });
});
