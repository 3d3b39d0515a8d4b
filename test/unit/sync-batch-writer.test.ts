import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { filePathOf, openSyncBatchWriter } from "../../src/db/sync-batch-writer.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the recorder thread's synchronous writer", () => {
  it("opens the same file @libsql/client opens for each form of file: URL", () => {
    expect(filePathOf("file:llmlb.db")).toBe("llmlb.db");
    expect(filePathOf("file:/var/lib/llmlb/llmlb.db")).toBe("/var/lib/llmlb/llmlb.db");
    expect(filePathOf("file:///var/lib/llmlb/llmlb.db")).toBe("/var/lib/llmlb/llmlb.db");
    expect(filePathOf("file://localhost/var/lib/my%20data/llmlb.db?mode=rwc")).toBe(
      "/var/lib/my data/llmlb.db",
    );
  });

  it("reports a batch on a file without the schema as an error and leaves no transaction open", () => {
    const dir = mkdtempSync(join(tmpdir(), "llmlb-sync-writer-"));
    dirs.push(dir);
    const writer = openSyncBatchWriter(`file:${join(dir, "empty.db")}`, 1000);
    const batch = {
      counters: new Map([
        [
          "e1",
          {
            totalRequests: 1,
            successfulRequests: 1,
            failedRequests: 0,
            totalInputTokens: 1,
            totalOutputTokens: 1,
          },
        ],
      ]),
      daily: new Map(),
      usage: { tokens: new Map(), clients: new Map() },
      history: [],
    };
    expect(() => writer.write(batch)).toThrow(/no such table: endpoints/);
    // A second batch fails the same way (not with "cannot start a transaction within a transaction").
    expect(() => writer.write(batch)).toThrow(/no such table: endpoints/);
    writer.close();
  });
});
