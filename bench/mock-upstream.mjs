// Bench mock upstream: an OpenAI-compatible server that is never the bottleneck (Bun.serve under Bun,
// node:http under Node). One process serves several listeners (endpoints), each with its own models.
//
// Usage: mock-upstream.mjs '<json spec>'   spec = {listeners: [{name, models: [ModelSpec]}]}
// ModelSpec: {id, latencyMs?, intervalMs?, tps?}
//   latencyMs  delay before the response (non-stream) or the first chunk (stream), ms
//   intervalMs gap between stream chunks, ms (fixed-interval models; default 10)
//   tps        decode speed, output tokens/s, shared by every request in flight on that listener
//              (processor sharing: 4 streams on a 200 tok/s listener get 50 tok/s each); when set, a
//              request produces exactly max_tokens tokens (default 16) and ends when they are decoded.
//   slots      with tps: continuous batching instead — up to `slots` requests decode at `tps` each,
//              later ones wait (FIFO) for a slot after their latencyMs, so their first token is late.
// Fixed-interval streams send max_tokens content chunks (default 20), then a usage chunk when
// stream_options.include_usage is set, then [DONE]. Non-stream replies are a fixed ~1.4 KB completion.
// Prints one line `{"listening":[{name,port}]}` once every listener is up. Loopback only.
// GET /_mock/stats → {requests: {model: completed}, active}; POST /_mock/reset zeroes the counters.

const spec = JSON.parse(process.argv[2] ?? '{"listeners":[{"name":"main","models":[{"id":"m0"}]}]}');
const encoder = new TextEncoder();
const TICK_MS = 10;
const FILLER =
  "The quick brown fox jumps over the lazy dog while the load balancer measures every token. ".repeat(13);

function completionBody(model, completionTokens) {
  return JSON.stringify({
    id: "chatcmpl-bench-0001",
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    system_fingerprint: "fp_bench",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: FILLER.slice(0, 1150) },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: completionTokens, total_tokens: 12 + completionTokens },
  });
}

function chunk(model, delta, finishReason) {
  return `data: ${JSON.stringify({
    id: "chatcmpl-bench-0001",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  })}\n\n`;
}

function usageChunk(model, completionTokens) {
  return `data: ${JSON.stringify({
    id: "chatcmpl-bench-0001",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model,
    choices: [],
    usage: { prompt_tokens: 12, completion_tokens: completionTokens, total_tokens: 12 + completionTokens },
  })}\n\n`;
}

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

function errorReply(status, message, code) {
  return { status, headers: JSON_HEADERS, body: JSON.stringify({ error: { message, type: code, code } }) };
}

/** One endpoint: its models, its request counters and (for tps models) its shared decoder. */
function createListener(listenerSpec) {
  const models = new Map();
  for (const model of listenerSpec.models) {
    models.set(model.id, {
      id: model.id,
      latencyMs: model.latencyMs ?? 0,
      intervalMs: model.intervalMs ?? 10,
      tps: model.tps ?? 0,
      slots: model.slots ?? 0,
      fixedBody: encoder.encode(completionBody(model.id, 180)),
    });
  }
  const modelList = JSON.stringify({
    object: "list",
    data: [...models.keys()].map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "mock" })),
  });
  const completed = {};
  let active = 0;
  const decoding = new Set();
  /** Batching listeners: jobs waiting for a free slot, oldest first. */
  const waitingSlot = [];
  let ticker = null;
  let lastTick = 0;

  const done = (modelId) => {
    completed[modelId] = (completed[modelId] ?? 0) + 1;
    active--;
  };

  // Processor sharing: every tick splits tps × elapsed among the jobs decoding on this listener.
  const tick = () => {
    const now = performance.now();
    const elapsedMs = now - lastTick;
    lastTick = now;
    if (decoding.size === 0) return;
    const { tps, slots } = [...decoding][0].model;
    // Batching: every running stream gets the full per-stream speed; sharing: the speed is split.
    const share = slots > 0 ? (tps * elapsedMs) / 1000 : (tps * elapsedMs) / 1000 / decoding.size;
    for (const job of decoding) {
      job.credit += share;
      const tokens = Math.min(Math.floor(job.credit), job.remaining);
      if (tokens <= 0) continue;
      job.credit -= tokens;
      job.remaining -= tokens;
      job.emit(tokens, job.remaining === 0);
      if (job.remaining === 0) decoding.delete(job);
    }
    while (waitingSlot.length > 0 && decoding.size < waitingSlot[0].model.slots)
      decoding.add(waitingSlot.shift());
    if (decoding.size === 0) {
      clearInterval(ticker);
      ticker = null;
    }
  };

  const startDecoding = (job) => {
    if (job.model.slots > 0 && decoding.size >= job.model.slots) {
      waitingSlot.push(job);
      return;
    }
    decoding.add(job);
    if (ticker === null) {
      lastTick = performance.now();
      ticker = setInterval(tick, TICK_MS);
    }
  };

  /** Returns a reply: {status, headers, body} or {status, headers, stream(sink)} with sink {write, end, closed}. */
  function handle(method, path, bodyText) {
    if (method === "GET" && path === "/v1/models")
      return { status: 200, headers: JSON_HEADERS, body: modelList };
    if (method === "GET" && path === "/_mock/stats") {
      return { status: 200, headers: JSON_HEADERS, body: JSON.stringify({ requests: completed, active }) };
    }
    if (method === "POST" && path === "/_mock/reset") {
      for (const key of Object.keys(completed)) delete completed[key];
      return { status: 200, headers: JSON_HEADERS, body: "{}" };
    }
    if (method !== "POST" || path !== "/v1/chat/completions")
      return errorReply(404, "not found", "not_found");
    let request;
    try {
      request = JSON.parse(bodyText);
    } catch {
      return errorReply(400, "invalid JSON", "invalid_request_error");
    }
    const model = models.get(request.model);
    if (!model) return errorReply(404, `model ${request.model} not found`, "model_not_found");
    active++;
    const includeUsage = request.stream_options?.include_usage === true;
    const maxTokens = Number.isInteger(request.max_tokens) && request.max_tokens > 0 ? request.max_tokens : 0;

    if (model.tps > 0) {
      const total = maxTokens || 16;
      return request.stream
        ? {
            status: 200,
            headers: SSE_HEADERS,
            stream: (sink) => decodeStream(model, total, includeUsage, sink),
          }
        : { status: 200, headers: JSON_HEADERS, deferred: (send) => decodeWhole(model, total, send) };
    }
    if (!request.stream) {
      if (model.latencyMs === 0) {
        done(model.id);
        return { status: 200, headers: JSON_HEADERS, body: model.fixedBody };
      }
      return {
        status: 200,
        headers: JSON_HEADERS,
        deferred: (send) =>
          setTimeout(() => {
            done(model.id);
            send(model.fixedBody);
          }, model.latencyMs),
      };
    }
    const count = maxTokens || 20;
    return {
      status: 200,
      headers: SSE_HEADERS,
      stream: (sink) => intervalStream(model, count, includeUsage, sink),
    };
  }

  // Chunk i (0-based) leaves at start + latency + i × interval, on absolute times so drift does not add up.
  function intervalStream(model, count, includeUsage, sink) {
    const start = performance.now() + model.latencyMs;
    let index = 0;
    const next = () => {
      if (sink.closed()) return done(model.id);
      const last = index === count - 1;
      const delta = index === 0 ? { role: "assistant", content: `t${index} ` } : { content: `t${index} ` };
      let text = chunk(model.id, delta, last ? "stop" : null);
      if (last) {
        if (includeUsage) text += usageChunk(model.id, count);
        text += "data: [DONE]\n\n";
      }
      sink.write(text);
      index++;
      if (last) {
        sink.end();
        done(model.id);
        return;
      }
      setTimeout(next, Math.max(0, start + index * model.intervalMs - performance.now()));
    };
    if (model.latencyMs === 0) next();
    else setTimeout(next, model.latencyMs);
  }

  function decodeStream(model, total, includeUsage, sink) {
    let produced = 0;
    const job = {
      model,
      remaining: total,
      credit: 0,
      emit(tokens, last) {
        if (sink.closed()) {
          job.remaining = 0;
          return done(model.id);
        }
        const content = "x ".repeat(tokens);
        const delta = produced === 0 ? { role: "assistant", content } : { content };
        produced += tokens;
        let text = chunk(model.id, delta, last ? "stop" : null);
        if (last) {
          if (includeUsage) text += usageChunk(model.id, total);
          text += "data: [DONE]\n\n";
          sink.write(text);
          sink.end();
          done(model.id);
          return;
        }
        sink.write(text);
      },
    };
    setTimeout(() => startDecoding(job), model.latencyMs);
  }

  function decodeWhole(model, total, send) {
    const job = {
      model,
      remaining: total,
      credit: 0,
      emit(_tokens, last) {
        if (!last) return;
        done(model.id);
        send(encoder.encode(completionBody(model.id, total)));
      },
    };
    setTimeout(() => startDecoding(job), model.latencyMs);
  }

  return { name: listenerSpec.name, handle };
}

function serveWithBun(listener) {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const body = request.method === "POST" ? await request.text() : "";
      const reply = listener.handle(request.method, url.pathname, body);
      if (reply.body !== undefined)
        return new Response(reply.body, { status: reply.status, headers: reply.headers });
      if (reply.deferred) {
        return new Promise((resolve) =>
          reply.deferred((bytes) =>
            resolve(new Response(bytes, { status: reply.status, headers: reply.headers })),
          ),
        );
      }
      let closed = false;
      const stream = new ReadableStream({
        type: "direct",
        pull(controller) {
          return new Promise((resolve) => {
            reply.stream({
              write: (text) => {
                if (closed) return;
                controller.write(text);
                controller.flush();
              },
              end: () => {
                closed = true;
                controller.close();
                resolve();
              },
              closed: () => closed || request.signal.aborted,
            });
          });
        },
        cancel() {
          closed = true;
        },
      });
      return new Response(stream, { status: reply.status, headers: reply.headers });
    },
  });
  return Promise.resolve(server.port);
}

async function serveWithNode(listener) {
  const { createServer } = await import("node:http");
  const server = createServer({ keepAliveTimeout: 120_000, noDelay: true }, (request, response) => {
    const chunks = [];
    request.on("data", (part) => chunks.push(part));
    request.on("end", () => {
      const path = (request.url ?? "/").split("?")[0];
      const reply = listener.handle(request.method, path, Buffer.concat(chunks).toString("utf8"));
      const send = (body) => {
        response.writeHead(reply.status, { ...reply.headers, "content-length": Buffer.byteLength(body) });
        response.end(body);
      };
      if (reply.body !== undefined) return send(reply.body);
      if (reply.deferred) return reply.deferred(send);
      response.writeHead(reply.status, reply.headers);
      response.flushHeaders();
      reply.stream({
        write: (text) => response.write(text),
        end: () => response.end(),
        closed: () => response.destroyed || response.writableEnded,
      });
    });
  });
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server.address().port;
}

const serve = typeof Bun !== "undefined" ? serveWithBun : serveWithNode;
const listening = [];
for (const listenerSpec of spec.listeners) {
  const listener = createListener(listenerSpec);
  listening.push({ name: listener.name, port: await serve(listener) });
}
process.stdout.write(
  `${JSON.stringify({ listening, runtime: typeof Bun !== "undefined" ? "bun" : "node" })}\n`,
);
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
