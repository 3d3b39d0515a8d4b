import { describe, expect, it } from "vitest";
import { FairQueue } from "../../src/balancer/fair-queue.js";

const drain = <T>(queue: FairQueue<T>) => {
  const out: T[] = [];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) out.push(item);
  return out;
};

describe("fair queue", () => {
  it("serves interactive before batch, whatever the arrival order", () => {
    const queue = new FairQueue<string>();
    queue.push("b1", "job", "batch");
    queue.push("b2", "job", "batch");
    queue.push("i1", "team", "interactive");
    expect(queue.peek()).toBe("i1");
    expect(drain(queue)).toEqual(["i1", "b1", "b2"]);
  });

  it("keys take turns within a priority; each key's own requests stay in order", () => {
    const queue = new FairQueue<string>();
    for (let i = 1; i <= 4; i++) queue.push(`a${i}`, "a", "batch");
    queue.push("b1", "b", "batch");
    queue.push("b2", "b", "batch");
    queue.push("c1", "c", "batch");
    expect(drain(queue)).toEqual(["a1", "b1", "c1", "a2", "b2", "a3", "a4"]);
    expect(queue.size).toBe(0);
  });

  it("lists waiters in serving order, and one taken out of turn passes its key's turn", () => {
    const queue = new FairQueue<string>();
    for (const [item, key] of [
      ["a1", "a"],
      ["a2", "a"],
      ["b1", "b"],
      ["b2", "b"],
      ["c1", "c"],
    ] as const) {
      queue.push(item, key, "batch");
    }
    queue.push("i1", "team", "interactive");
    expect([...queue.inOrder()]).toEqual(["i1", "a1", "b1", "c1", "a2", "b2"]);
    // b1 goes while i1 and a1 cannot: b's turn passes, the others keep their places.
    expect(queue.take("b1")).toBe(true);
    expect(queue.take("b1")).toBe(false);
    expect(queue.size).toBe(5);
    expect(drain(queue)).toEqual(["i1", "a1", "c1", "b2", "a2"]);
  });

  it("removes a waiter wherever it is and keeps the count", () => {
    const queue = new FairQueue<string>();
    queue.push("a1", "a", "interactive");
    queue.push("a2", "a", "interactive");
    queue.push("b1", "b", "batch");
    expect(queue.remove("a1")).toBe(true);
    expect(queue.remove("a1")).toBe(false);
    expect(queue.size).toBe(2);
    expect(drain(queue)).toEqual(["a2", "b1"]);
  });

  it("a full queue gives up the newest batch waiter of the busiest key to an interactive newcomer, never to batch", () => {
    const queue = new FairQueue<string>();
    queue.push("x1", "x", "batch");
    queue.push("y1", "y", "batch");
    queue.push("y2", "y", "batch");
    expect(queue.evictable("interactive")).toBe("y2");
    expect(queue.evictable("batch")).toBeUndefined();
    const onlyInteractive = new FairQueue<string>();
    onlyInteractive.push("i1", "t", "interactive");
    expect(onlyInteractive.evictable("interactive")).toBeUndefined();
  });
});
