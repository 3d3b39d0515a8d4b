// Owns password hashing: scrypt from node:crypto (Node, Bun, and workerd with nodejs_compat all provide it,
// asynchronously off the event loop on Node/Bun) in a self-describing `scrypt$N=…,r=…,p=…$salt$hash` string.
import { Buffer } from "node:buffer";
import { scrypt, timingSafeEqual } from "node:crypto";
import { randomToken } from "./tokens.js";

/** N=2^15, r=8, p=1: 32 MiB and ~50–100 ms per hash; fits a Workers isolate's 128 MB. */
const DEFAULT_PARAMS = { N: 32_768, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Upper bounds accepted when reading a stored hash, so a bad row cannot ask for gigabytes. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const maxmem = 256 * params.N * params.r * params.p;
    scrypt(password.normalize("NFC"), salt, length, { ...params, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = Buffer.from(randomToken(SALT_BYTES), "base64url");
  const key = await derive(password, salt, DEFAULT_PARAMS, KEY_BYTES);
  const { N, r, p } = DEFAULT_PARAMS;
  return `scrypt$N=${N},r=${r},p=${p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

const STORED = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const match = STORED.exec(stored);
  if (!match) return null;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N || r < 1 || r > MAX_R || p < 1 || p > MAX_P) return null;
  const key = Buffer.from(match[5] ?? "", "base64url");
  if (key.length < 16) return null;
  return { params: { N, r, p }, salt: Buffer.from(match[4] ?? "", "base64url"), key };
}

/** A well-formed hash of no known password: verifying against it costs what a real check costs. */
export const DECOY_HASH = `scrypt$N=${DEFAULT_PARAMS.N},r=${DEFAULT_PARAMS.r},p=${DEFAULT_PARAMS.p}$${"A".repeat(22)}$${"A".repeat(43)}`;

/** true when `password` matches `stored`; a malformed `stored` is a mismatch (after the same work). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const real = stored === DECOY_HASH ? null : parse(stored);
  const parsed = real ?? parse(DECOY_HASH);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key) && real !== null;
}
