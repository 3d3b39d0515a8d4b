// Finding `model` in a streamed multipart body: bodies built by the platform's own FormData encoder, fed in
// pieces of every size (the field before or after a large file), malformed bodies refused; and the upload
// body's replay within its bound.
import { describe, expect, it } from "vitest";
import { boundaryOf, MultipartScanner } from "../../src/http/multipart-scan.js";
import { UploadBody } from "../../src/proxy/upload-body.js";

async function encoded(
  fields: [string, string | Uint8Array][],
): Promise<{ type: string; bytes: Uint8Array }> {
  const form = new FormData();
  for (const [name, value] of fields) {
    if (typeof value === "string") form.append(name, value);
    else form.append(name, new Blob([value as Uint8Array<ArrayBuffer>]), "file.bin");
  }
  const request = new Request("http://x/", { method: "POST", body: form });
  return {
    type: request.headers.get("content-type") ?? "",
    bytes: new Uint8Array(await request.arrayBuffer()),
  };
}

function scan(type: string, bytes: Uint8Array, size: number) {
  const scanner = new MultipartScanner(boundaryOf(type), "model");
  for (let i = 0; i < bytes.length; i += size) {
    const found = scanner.push(bytes.subarray(i, i + size));
    if (found) return found;
  }
  throw scanner.end();
}

const file = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff);

describe("multipart model scan", () => {
  it("finds the model before or after a file, whatever the piece size, at the right offsets", async () => {
    for (const fields of [
      [
        ["model", "whisper-1"],
        ["file", file],
      ],
      [
        ["file", file],
        ["language", "en"],
        ["model", "whisper-1"],
      ],
    ] as [string, string | Uint8Array][][]) {
      const { type, bytes } = await encoded(fields);
      for (const size of [1, 2, 7, 64, 1000, bytes.length]) {
        const found = scan(type, bytes, size);
        expect(found.value).toBe("whisper-1");
        expect(new TextDecoder().decode(bytes.subarray(found.start, found.end))).toBe("whisper-1");
      }
    }
  });

  it("refuses a missing field, a wrong boundary and a bad content type", async () => {
    const { type, bytes } = await encoded([["file", file]]);
    expect(() => scan(type, bytes, 100)).toThrow(/no 'model' field/);
    expect(() => scan("multipart/form-data; boundary=other", bytes, 100)).toThrow(
      /does not start with its boundary/,
    );
    expect(() => boundaryOf("multipart/form-data")).toThrow(/no boundary/);
    expect(() => boundaryOf("application/json")).toThrow(/must be multipart/);
    expect(() => scan(type, bytes.subarray(0, 200), 100)).toThrow(/ended before its closing boundary/);
  });
});

async function* chunks(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of iterable) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

describe("upload body", () => {
  it("replays the whole body with the model replaced while it fits the replay bound", async () => {
    const { type, bytes } = await encoded([
      ["model", "whisper-1"],
      ["file", file],
    ]);
    const upload = await UploadBody.open(chunks(bytes, 4096), type, 1_000_000, 1_000_000);
    const original = Buffer.from(bytes);
    const first = await collect(upload.attempt("whisper-1"));
    expect(Buffer.compare(first, original)).toBe(0);
    expect(upload.replayable).toBe(true);
    const second = await collect(upload.attempt("large-v3"));
    const at = original.indexOf("whisper-1");
    const renamed = Buffer.concat([
      original.subarray(0, at),
      Buffer.from("large-v3"),
      original.subarray(at + 9),
    ]);
    expect(Buffer.compare(second, renamed)).toBe(0);
  });

  it("stops being replayable past the bound, and refuses a body over the limit", async () => {
    const { type, bytes } = await encoded([
      ["model", "whisper-1"],
      ["file", file],
    ]);
    const upload = await UploadBody.open(chunks(bytes, 4096), type, 1_000_000, 10_000);
    await collect(upload.attempt("whisper-1"));
    expect(upload.replayable).toBe(false);
    const small = await UploadBody.open(chunks(bytes, 4096), type, 20_000);
    await expect(collect(small.attempt("whisper-1"))).rejects.toThrow(/exceeds 20000 bytes/);
    expect(small.clientError?.status).toBe(413);
  });
});
