// Owns what an entry (Node, Bun, Worker) hands the composition root: the runtime-specific parts.
import type { Context, MiddlewareHandler } from "hono";
import type { Clock, Random, Timers } from "./clock.js";
import type { Config } from "./config.js";
import type { CreateLibsqlClient, RunMigrations } from "./db/client.js";
import type { Logger } from "./logger.js";
import type { StreamReply } from "./proxy/stream-reply.js";
import type { LoadTokenizer } from "./proxy/token-counter.js";
import type { BatchStore } from "./stats/batch-store.js";
import type { UpstreamClient } from "./upstream/types.js";

export interface RuntimeParts {
  config: Config;
  createLibsqlClient: CreateLibsqlClient;
  /** Absent where migrations are applied out of band (Workers). */
  runMigrations?: RunMigrations;
  upstream: UpstreamClient;
  writeLog: (line: string) => void;
  clock: Clock;
  random: Random;
  /** One-shot timers handed to services; defaults to the host's setTimeout. */
  timers?: Timers;
  instanceId: string;
  /** waitUntil where the runtime has it; otherwise the promise just runs. */
  defer?: (work: Promise<unknown>) => void;
  clientAddress: (c: Context) => string | null;
  /** Key material for upstream API keys at rest; defaults to config.secretKey (Node/Bun pass a key file's). */
  secretKey?: string;
  /** Serves web/dist under /dashboard/ (Node, Bun); Workers use static assets instead. */
  serveDashboard?: MiddlewareHandler;
  /**
   * Runtimes without timers between invocations (Workers): each burst of finished requests schedules one
   * statistics flush this long after its first request (through defer); absent: jobs.statsFlush alone.
   */
  flushAfterCompletionMs?: number;
  /**
   * Where the recorder's batches are written (Node and Bun with a local file: src/db/file-batch-store.ts);
   * absent or undefined: in-process on the database handle's client.
   */
  createBatchStore?: (logger: Logger) => BatchStore | undefined;
  /** The Response of a relayed stream (Node: written straight to the connection); absent: a web ReadableStream. */
  streamReply?: StreamReply;
  /** Loads the tokenizer for token estimates (Node: from dist/'s ranks file); absent: gpt-tokenizer's module. */
  loadTokenizer?: LoadTokenizer;
}
