// Audio and images through llmlb with the official openai SDK: a multi-MiB transcription upload arrives
// byte for byte, speech streams binary with its content type, images generate and edit, failover before the
// first byte replays a multipart body, accounting per api kind, and bad multipart bodies never reach an upstream.
import OpenAI, { toFile } from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeMediaServer, speechBytes, startFakeMedia } from "../fixtures/fake-media.js";
import { captureCompletions, openaiClient, registerEndpoint } from "../fixtures/proxy-harness.js";
import { startTestApp, type TestApp } from "../fixtures/test-app.js";

const MIB = 1024 * 1024;

/** Deterministic bytes covering every value, so any corruption or truncation shows. */
function audioFile(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i * 131 + (i >> 8)) & 0xff;
  return out;
}

describe("audio and images", () => {
  const apps: TestApp[] = [];
  const servers: FakeMediaServer[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const server of servers.splice(0)) await server.stop();
  });

  async function setup(count = 1, env: Record<string, string> = {}) {
    const app = await startTestApp({ env });
    apps.push(app);
    const media: FakeMediaServer[] = [];
    for (let i = 0; i < count; i++) {
      const server = await startFakeMedia();
      servers.push(server);
      media.push(server);
      await registerEndpoint(app, `media-${i}`, server.url, { endpoint_type: "openai_compatible" });
    }
    return { app, media, client: await openaiClient(app) };
  }

  it("streams a 6 MiB transcription upload to the upstream byte for byte and counts its reported usage", async () => {
    const { app, media, client } = await setup();
    const records = captureCompletions(app);
    const bytes = audioFile(6 * MIB + 123);
    const result = await client.audio.transcriptions.create({
      model: "whisper-1",
      file: await toFile(bytes, "speech.wav", { type: "audio/wav" }),
      language: "en",
    });
    expect(result.text).toBe(`heard ${bytes.length} bytes with whisper-1`);
    const received = media[0]?.requests[0];
    expect(received?.path).toBe("/v1/audio/transcriptions");
    expect(Buffer.compare(received?.fields.file as Buffer, bytes)).toBe(0);
    expect(received?.fields.language).toBe("en");
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      api_kind: "audio_transcriptions",
      status: "success",
      input_tokens: 40,
      output_tokens: 7,
      estimated: false,
    });
  });

  it("translations and a text response_format pass through", async () => {
    const { media, client } = await setup();
    const bytes = audioFile(300_000);
    const text = await client.audio.translations.create({
      file: await toFile(bytes, "fr.mp3"),
      model: "whisper-1",
      response_format: "text",
    });
    expect(String(text).trim()).toBe(`heard ${bytes.length} bytes`);
    expect(media[0]?.requests[0]?.path).toBe("/v1/audio/translations");
  });

  it("fails over before the first byte: a multipart body is replayed whole to the next endpoint", async () => {
    const { app, media, client } = await setup(2, { LLMLB_LOAD_BALANCER_MODE: "round_robin" });
    const records = captureCompletions(app);
    const [first, second] = media as [FakeMediaServer, FakeMediaServer];
    first.failWith = 503;
    const bytes = audioFile(2 * MIB);
    for (let i = 0; i < 4; i++) {
      const result = await client.audio.transcriptions.create({
        model: "whisper-1",
        file: await toFile(bytes, "a.wav"),
      });
      expect(result.text).toBe(`heard ${bytes.length} bytes with whisper-1`);
    }
    // The failing endpoint read whole bodies too: the retry sent the same bytes again.
    expect(first.requests.length).toBeGreaterThan(0);
    for (const request of [...first.requests, ...second.requests]) {
      expect(Buffer.compare(request.fields.file as Buffer, bytes)).toBe(0);
    }
    expect(second.requests).toHaveLength(4);
    expect(records.map((record) => record.status)).toEqual(["success", "success", "success", "success"]);
  });

  it("speech streams the upstream's audio bytes back with its content type", async () => {
    const { app, client } = await setup();
    const records = captureCompletions(app);
    const response = await client.audio.speech.create({
      model: "tts-1",
      voice: "alloy",
      input: "hello there",
    });
    expect(response.headers.get("content-type")).toBe("audio/mpeg");
    const audio = Buffer.from(await response.arrayBuffer());
    expect(Buffer.compare(audio, speechBytes("hello there"))).toBe(0);
    expect(records[0]).toMatchObject({ api_kind: "audio_speech", status: "success", output_tokens: 0 });
  });

  it("images generate (JSON) and edit (multipart)", async () => {
    const { app, media, client } = await setup();
    const records = captureCompletions(app);
    const generated = await client.images.generate({ model: "dall-e-3", prompt: "a cat" });
    expect(Buffer.from(generated.data?.[0]?.b64_json ?? "", "base64").toString()).toBe("png for a cat");
    const image = audioFile(500_000);
    const edited = await client.images.edit({
      model: "dall-e-3",
      image: await toFile(image, "cat.png", { type: "image/png" }),
      prompt: "a hat",
    });
    expect(Buffer.from(edited.data?.[0]?.b64_json ?? "", "base64").toString()).toBe("png for a hat");
    const edit = media[0]?.requests.find((request) => request.path === "/v1/images/edits");
    expect(Buffer.compare(edit?.fields.image as Buffer, image)).toBe(0);
    expect(records.map((record) => record.api_kind)).toEqual(["images", "images"]);
    expect(records[0]).toMatchObject({ input_tokens: 40, output_tokens: 7 });
  });

  it("renames the model inside the form when the endpoint names it differently", async () => {
    const { media, client } = await setup();
    (media[0] as FakeMediaServer).models = ["whisper-1"];
    const result = await client.audio.transcriptions.create({
      model: "whisper-1",
      file: await toFile(audioFile(1000), "a.wav"),
    });
    expect(result.text).toContain("whisper-1");
  });

  it("refuses bad multipart bodies with OpenAI-shaped 400/413 and never contacts the upstream", async () => {
    const { app, media } = await setup(1, { LLMLB_MAX_BODY_BYTES: String(MIB) });
    const key = await app.inferenceKey();
    const post = async (body: BodyInit, contentType: string) => {
      const response = await fetch(`${app.url}/v1/audio/transcriptions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": contentType },
        body,
      });
      return {
        status: response.status,
        body: (await response.json()) as { error: { code: string; message: string } },
      };
    };
    const noModel = new FormData();
    noModel.append("file", new Blob([new Uint8Array(audioFile(1000))]), "a.wav");
    const missing = await fetch(`${app.url}/v1/audio/transcriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: noModel,
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("missing_field");

    const wrongBoundary = await post(
      '--other\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--other--\r\n',
      "multipart/form-data; boundary=abc",
    );
    expect(wrongBoundary.status).toBe(400);
    expect(wrongBoundary.body.error.code).toBe("invalid_multipart");
    const noBoundary = await post("x", "multipart/form-data");
    expect(noBoundary.body.error.code).toBe("invalid_multipart");
    const json = await post('{"model":"whisper-1"}', "application/json");
    expect(json.status).toBe(400);
    expect(json.body.error.code).toBe("invalid_content_type");

    const big = new FormData();
    big.append("model", "whisper-1");
    big.append("file", new Blob([new Uint8Array(audioFile(2 * MIB))]), "a.wav");
    const tooLarge = await fetch(`${app.url}/v1/audio/transcriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: big,
    });
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toBe("request_too_large");

    const unknown = await new OpenAI({
      baseURL: `${app.url}/v1`,
      apiKey: key,
      maxRetries: 0,
    }).audio.transcriptions
      .create({ model: "nope", file: await toFile(audioFile(10), "a.wav") })
      .catch((error: unknown) => error as { status: number });
    expect((unknown as { status: number }).status).toBe(404);
    expect(media[0]?.requests).toHaveLength(0);
  });
});
