// A big export is streamed in constant memory: 50,000 history rows with 1 KiB bodies each (~110 MiB of
// JSON) leave the retained heap (measured after full collections) far below the download's size, because a page is read only when the client
// has taken the last. Bounded: a fixed row count, no timing assertion.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const ROWS = 50_000;
const MIB = 1024 * 1024;

/** Heap still in use after a full collection: what is retained, not garbage waiting for the collector. */
function retainedHeap(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  return process.memoryUsage().heapUsed;
}

describe("export memory", () => {
  it("streams 50k rows with bodies while heap growth stays far below the download's size", async () => {
    app = await startTestApp();
    const client = app.composition.deps.database.client;
    // One statement fills the table inside SQLite (no rows built in this process).
    await client.execute(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
      INSERT INTO request_history (request_id, created_at, model, api_kind, status, status_code, duration_ms,
        input_tokens, output_tokens, client_ip, request_body, response_body)
      SELECT 'req-' || i, 1700000000000 + i * 1000, 'm', 'chat_completions', 'success', 200, 100, 5, 7,
        '10.0.0.' || (i % 250), '{"q":"' || printf('%.1000c', 'x') || '"}', '{"a":"' || printf('%.1000c', 'y') || '"}'
      FROM n`);
    const response = await fetch(
      `${app.url}/api/dashboard/request-responses/export?format=json&include_bodies=1`,
      {
        headers: await app.adminHeaders(),
      },
    );
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const before = retainedHeap();
    let peak = before;
    let chunks = 0;
    let bytes = 0;
    let newlines = 0;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      bytes += chunk.value.length;
      for (const byte of chunk.value) if (byte === 0x0a) newlines++;
      if (++chunks % 200 === 0) peak = Math.max(peak, retainedHeap());
    }
    // "[\n", one record per line joined by ",\n", "\n]\n" (JSON escapes newlines inside strings).
    expect(newlines).toBe(ROWS + 2);
    expect(bytes).toBeGreaterThan(100 * MIB);
    // Server and client share this process: both sides together stay far below the 100+ MiB sent.
    expect(chunks).toBeGreaterThan(1000);
    expect(peak - before).toBeLessThan(24 * MIB);
  }, 120_000);
});
