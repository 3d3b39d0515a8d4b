// Owns how a relayed stream (StreamSource, BytesSource) becomes the client's Response once its status and
// headers are final. The default wraps the source in a web ReadableStream; Node's entry passes one that
// writes it straight to the connection (src/runtime/node-stream-reply.ts) — at once when the call carries
// the client's connection.

/** The runtime's own handle on the client's connection (Node: its ServerResponse); opaque to the proxy. */
export type ClientConnection = object;

export type StreamReply = (
  source: UnderlyingDefaultSource<Uint8Array>,
  status: number,
  headers: Record<string, string>,
  connection?: ClientConnection,
) => Response;

export const webStreamReply: StreamReply = (source, status, headers) =>
  new Response(new ReadableStream(source), { status, headers });
