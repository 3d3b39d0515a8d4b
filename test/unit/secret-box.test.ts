import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors.js";
import { createSecretBox } from "../../src/registry/secret-box.js";

describe("secret box (AES-GCM for upstream API keys)", () => {
  it("round-trips, never stores the plaintext, and uses a fresh IV each time", async () => {
    const box = createSecretBox("material-1");
    const first = await box.encrypt("sk-abc");
    const second = await box.encrypt("sk-abc");
    expect(first).toMatch(/^v1:/);
    expect(first).not.toContain("sk-abc");
    expect(first).not.toBe(second);
    expect(await box.decrypt(first)).toBe("sk-abc");
    expect(await createSecretBox("material-1").decrypt(second)).toBe("sk-abc");
  });

  it("fails to decrypt with other key material or a tampered ciphertext", async () => {
    const sealed = await createSecretBox("material-1").encrypt("sk-abc");
    await expect(createSecretBox("material-2").decrypt(sealed)).rejects.toThrow();
    const tampered = `${sealed.slice(0, -4)}AAAA`;
    await expect(createSecretBox("material-1").decrypt(tampered)).rejects.toThrow();
  });

  it("refuses to store a key without key material (Workers without LLMLB_SECRET_KEY)", async () => {
    const box = createSecretBox(undefined);
    expect(box.available).toBe(false);
    const error = await box.encrypt("sk-abc").catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "secret_key_missing", status: 400 });
  });
});
