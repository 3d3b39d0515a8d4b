// What libraries print through console (e.g. @hono/node-server's "The user aborted a request." or the error
// of an SSE stream cut off for a slow client) becomes one JSON log line each, like every other log line.
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { routeConsoleTo } from "../../src/runtime/local.js";

function bridged() {
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", now: () => 0, write: (line) => lines.push(line) });
  const target = { log() {}, info() {}, debug() {}, warn() {}, error() {} } as Pick<
    Console,
    "log" | "info" | "debug" | "warn" | "error"
  >;
  routeConsoleTo(logger, target);
  return { target, lines };
}

describe("console bridge", () => {
  it("turns console.error(error) into one JSON line at error level with the error's name and message", () => {
    const { target, lines } = bridged();
    const error = new Error("SSE client fell too far behind and was disconnected");
    error.name = "SlowSseClient";
    error.stack = "SlowSseClient: SSE client fell too far behind\n    at multi-line stack";
    target.error(error);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({
      level: "error",
      msg: "SlowSseClient: SSE client fell too far behind and was disconnected",
      source: "console",
      error: { name: "SlowSseClient", message: "SSE client fell too far behind and was disconnected" },
    });
  });

  it("keeps each level and joins the printed arguments into the message", () => {
    const { target, lines } = bridged();
    target.info("The user aborted a request.");
    target.warn("retrying", { attempt: 2 }, "soon");
    target.log("plain\nwith a newline");
    target.debug("details");
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { level: "info", msg: "The user aborted a request." },
      { level: "warn", msg: "retrying { attempt: 2 } soon" },
      { level: "info", msg: "plain\nwith a newline" },
      { level: "debug", msg: "details" },
    ]);
    for (const line of lines) expect(line).not.toContain("\n");
  });
});
