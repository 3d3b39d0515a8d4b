// /v1/models items carry `capabilities` (Ollama's /api/show answer, else what the endpoint type and the
// model's name imply, merged across endpoints) and `ready` (a request would be sent now), seen through the
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
});
