import { describe, expect, it } from "vitest";
import { DECOY_HASH, hashPassword, verifyPassword } from "../../src/auth/password.js";

describe("password hashing", () => {
  it("stores a self-describing scrypt string with a fresh salt, never the password", async () => {
    const first = await hashPassword("correct horse battery staple");
    const second = await hashPassword("correct horse battery staple");
    expect(first).toMatch(/^scrypt\$N=32768,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain("correct horse");
  });

  it("accepts the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("s3cret-pass");
    expect(await verifyPassword("s3cret-pass", stored)).toBe(true);
    expect(await verifyPassword("s3cret-pasS", stored)).toBe(false);
  });

  it("refuses everything against the decoy and a malformed hash", async () => {
    expect(await verifyPassword("", DECOY_HASH)).toBe(false);
    expect(await verifyPassword("anything", "plaintext")).toBe(false);
    expect(await verifyPassword("x", "scrypt$N=3,r=8,p=1$AAAA$AAAA")).toBe(false);
  });
});
