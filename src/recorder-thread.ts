// Recorder thread entry (Node; bundled to dist/recorder-thread.js): writes the batches the event loop posts
// (src/db/batch-thread.ts) through its own libSQL connection, one at a time, with the same SQL as in-process.
import { parentPort, workerData } from "node:worker_threads";
import { createClient } from "@libsql/client";
import { createBatchSql } from "./db/batch-sql.js";
import type { BatchThreadData, BatchThreadReply } from "./db/batch-thread.js";
import type { Batch } from "./stats/pending-writes.js";

const data = workerData as BatchThreadData;
const client = createClient({ url: data.url, timeout: data.timeoutMs });
const sql = createBatchSql();
const port = parentPort;
if (!port) throw new Error("recorder-thread.ts runs as a worker thread only");

let queue: Promise<void> = Promise.resolve();
port.on("message", (message: { id: number; batch: Batch }) => {
  // One transaction at a time, in the order posted (the writer already serialises its flushes).
  queue = queue.then(async () => {
    let reply: BatchThreadReply;
    try {
      const counters = await sql.write(client, message.batch);
      reply = { id: message.id, counters: [...counters] };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const code = (e as { code?: unknown }).code;
      reply = {
        id: message.id,
        error: { name: e.name, message: e.message, ...(typeof code === "string" ? { code } : {}) },
      };
    }
    port.postMessage(reply);
  });
});
