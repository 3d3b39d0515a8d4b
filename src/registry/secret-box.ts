// Owns encrypting upstream API keys at rest: AES-256-GCM via WebCrypto (Node, Bun and Workers alike).
// Stored form: `v1:<base64 iv>:<base64 ciphertext+tag>`; the AES key is SHA-256 of the key material.
import { AppError } from "../errors.js";

export interface SecretBox {
  /** false when no key material was given (then encrypt() refuses). */
  readonly available: boolean;
  encrypt(plaintext: string): Promise<string>;
  decrypt(stored: string): Promise<string>;
}

const IV_BYTES = 12;

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function createSecretBox(keyMaterial: string | undefined): SecretBox {
  let key: Promise<CryptoKey> | null = null;
  const aesKey = (): Promise<CryptoKey> => {
    if (keyMaterial === undefined) {
      throw new AppError(
        "bad_request",
        "Upstream API keys need LLMLB_SECRET_KEY (the key that encrypts them at rest) on this runtime",
        { code: "secret_key_missing", param: "api_key" },
      );
    }
    key ??= crypto.subtle
      .digest("SHA-256", new TextEncoder().encode(keyMaterial))
      .then((digest) => crypto.subtle.importKey("raw", digest, "AES-GCM", false, ["encrypt", "decrypt"]));
    return key;
  };

  return {
    available: keyMaterial !== undefined,
    async encrypt(plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv },
        await aesKey(),
        new TextEncoder().encode(plaintext),
      );
      return `v1:${toBase64(iv)}:${toBase64(new Uint8Array(sealed))}`;
    },
    async decrypt(stored) {
      const [version, iv, sealed] = stored.split(":");
      if (version !== "v1" || !iv || !sealed) throw new Error("unrecognised ciphertext format");
      const opened = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64(iv) },
        await aesKey(),
        fromBase64(sealed),
      );
      return new TextDecoder().decode(opened);
    },
  };
}
