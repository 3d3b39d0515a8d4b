// /v1/models items carry `capabilities` (Ollama's /api/show answer, llama.cpp's /props modalities, else what
// the endpoint type and the model's name imply, merged across endpoints) and `ready` (a request would be sent now), seen through the
// openai SDK; the capabilities follow a model sync.
import { afterEach, describe, expect, it } from "vitest";
import { type FakeMediaServer, startFakeMedia } from "../fixtures/fake-media.js";
import { type FakeServer, startFakeServer } from "../fixtures/fake-servers.js";
import { openaiClient, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

interface ModelItem {
  id: string;
  capabilities: string[];
  ready: boolean;
}

describe("model capabilities and readiness", () => {
  let app: TestApp | undefined;
  const servers: (FakeServer | FakeMediaServer)[] = [];
  afterEach(async () => {
    await app?.close();
    for (const server of servers.splice(0)) await server.stop();
  });

  it("reports what each model can do and that it is ready, refreshed by a sync", async () => {
    app = await startTestApp();
    const ollama = await startFakeServer("ollama", { models: ["llama3:8b", "nomic-embed-text:latest"] });
    const media = await startFakeMedia(["whisper-1", "tts-1", "dall-e-3"]);
    servers.push(ollama, media);
    const ollamaId = await registerEndpoint(app, "ollama", ollama.url);
    await registerEndpoint(app, "media", media.url);
    const client = await openaiClient(app);
    const list = async () => {
      const page = await client.models.list();
      return Object.fromEntries(
        (page.data as unknown as ModelItem[]).map((item) => [item.id, [item.capabilities, item.ready]]),
      );
    };
    expect(await list()).toEqual({
      "dall-e-3": [["image_generation"], true],
      "llama3:8b": [["chat", "completions"], true],
      "nomic-embed-text:latest": [["embeddings"], true],
      "tts-1": [["audio_speech"], true],
      "whisper-1": [["audio_transcription"], true],
    });
    expect(ollama.requests.filter((request) => request.path === "/api/show")).toHaveLength(2);

    ollama.models = ["llama3:8b", "qwen3-embed:4b"];
    const sync = await fetch(`${app.url}/api/endpoints/${ollamaId}/sync`, {
      method: "POST",
      headers: await app.adminHeaders(),
    });
    expect(sync.status).toBe(200);
    const after = await list();
    expect(after["qwen3-embed:4b"]).toEqual([["embeddings"], true]);
    expect(after["nomic-embed-text:latest"]).toBeUndefined();
    // Known models are not asked again.
    expect(ollama.requests.filter((request) => request.path === "/api/show")).toHaveLength(3);
    const one = (await client.models.retrieve("whisper-1")) as unknown as ModelItem;
    expect(one.capabilities).toEqual(["audio_transcription"]);
  });

  it("adds audio transcription for a llama.cpp model whose /props reports audio input, asked once", async () => {
    app = await startTestApp();
    const audio = await startFakeServer("llamacpp", {
      models: ["gemma-3n-e4b"],
      modalities: { audio: true },
    });
    const text = await startFakeServer("llamacpp", { models: ["qwen2.5-7b-instruct"] });
    const router = await startFakeServer("llamacpp", { models: ["llama-3.2-3b", "gemma-3-4b"] });
    servers.push(audio, text, router);
    const audioId = await registerEndpoint(app, "gemma-box", audio.url);
    await registerEndpoint(app, "qwen-box", text.url);
    await registerEndpoint(app, "router-box", router.url);
    const client = await openaiClient(app);
    const capabilities = async () => {
      const page = await client.models.list();
      return Object.fromEntries(
        (page.data as unknown as ModelItem[]).map((item) => [item.id, item.capabilities]),
      );
    };
    expect(await capabilities()).toEqual({
      "gemma-3n-e4b": ["chat", "completions", "audio_transcription"],
      "qwen2.5-7b-instruct": ["chat", "completions"],
      "llama-3.2-3b": ["chat", "completions"],
      "gemma-3-4b": ["chat", "completions"],
    });
    const propsAsked = (server: FakeServer) => server.requests.filter((r) => r.path === "/props").length;
    expect([propsAsked(audio), propsAsked(text)]).toEqual([1, 1]);
    // /props describes a server's one model: a server listing several is not asked.
    expect(propsAsked(router)).toBe(0);

    const sync = await fetch(`${app.url}/api/endpoints/${audioId}/sync`, {
      method: "POST",
      headers: await app.adminHeaders(),
    });
    expect(sync.status).toBe(200);
    expect((await capabilities())["gemma-3n-e4b"]).toEqual(["chat", "completions", "audio_transcription"]);
    expect(propsAsked(audio)).toBe(1);
  });
});
