// Owns Node's answers to requests it cannot parse (oversized headers, malformed HTTP, header timeouts):
// the same OpenAI-shaped JSON errors as every other answer, written straight to the socket because no
// request or response object exists yet. Node entry only.
import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import { AppError, errorBody } from "../errors.js";

/** Node's parser error code → status, reason phrase, error code and message. */
function classify(code: string | undefined): [number, string, AppError] {
  if (code === "HPE_HEADER_OVERFLOW") {
    return [
      431,
      "Request Header Fields Too Large",
      new AppError("bad_request", "Request headers are too large", { code: "request_headers_too_large" }),
    ];
  }
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return [
      408,
      "Request Timeout",
      new AppError("bad_request", "The request was not received in time", { code: "request_timeout" }),
    ];
  }
  return [
    400,
    "Bad Request",
    new AppError("bad_request", "Malformed HTTP request", { code: "malformed_request" }),
  ];
}

/** The whole HTTP/1.1 answer for a client error, closing the connection. */
export function clientErrorResponse(code: string | undefined): string {
  const [status, reason, error] = classify(code);
  const body = JSON.stringify(errorBody(error));
  return (
    `HTTP/1.1 ${status} ${reason}\r\n` +
    "content-type: application/json\r\n" +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    "x-content-type-options: nosniff\r\n" +
    "connection: close\r\n\r\n" +
    body
  );
}

/** Replaces Node's default plain-text 400/431/408 with JSON ones. */
export function answerClientErrorsAsJson(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A response already under way (or a reset) leaves nothing to answer: close, as Node does.
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (error.code === "ECONNRESET" || !socket.writable || inFlight) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error.code));
  });
}
