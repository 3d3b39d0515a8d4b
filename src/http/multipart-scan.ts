// Owns finding one form field (`model`) in a multipart/form-data body as it streams in, without buffering
// the parts around it: chunk by chunk, absolute byte offsets, a carry of one delimiter length (pure).
import { AppError } from "../errors.js";

/** RFC 2046: 1–70 characters from a restricted set (quoted when it holds spaces or specials). */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
/** Bound on one part's header block, bytes. */
const MAX_PART_HEADERS = 16 * 1024;
/** Bound on the `model` value, bytes (the name is capped at 256 characters anyway). */
const MAX_FIELD_BYTES = 4 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function malformed(message: string): AppError {
  return new AppError("bad_request", `Malformed multipart body: ${message}`, {
    code: "invalid_multipart",
  });
}

/** The boundary of a `multipart/form-data` content type; AppError 400 when absent or invalid. */
export function boundaryOf(contentType: string | undefined): string {
  const [type, ...params] = (contentType ?? "").split(";");
  if (type?.trim().toLowerCase() !== "multipart/form-data") {
    throw new AppError("bad_request", "Content-Type must be multipart/form-data", {
      code: "invalid_content_type",
    });
  }
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "boundary") continue;
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (BOUNDARY.test(value)) return value;
    throw malformed("the boundary parameter is invalid");
  }
  throw malformed("the Content-Type has no boundary parameter");
}

/** Position of `needle` in `haystack` at or after `from`, or -1. */
export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0] as number;
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let match = true;
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) {
        match = false;
        break;
      }
    }
    if (match) return i;
  }
  return -1;
}

/** The field's value and where it sits in the body (absolute offsets, end exclusive). */
export interface FoundField {
  value: string;
  start: number;
  end: number;
}

type Phase = "opening" | "after_delimiter" | "headers" | "content" | "done";

/** Feed it the body chunk by chunk; push() returns the field once its value is complete. */
export class MultipartScanner {
  private readonly opening: Uint8Array;
  /** CRLF + `--boundary`: what ends every part's content. */
  private readonly delimiter: Uint8Array;
  private phase: Phase = "opening";
  /** Bytes not yet consumed by the current phase, and the absolute offset of their first byte. */
  private pending: Uint8Array = new Uint8Array(0);
  private pendingAt = 0;
  private inField = false;
  private fieldStart = 0;
  /** Set when a step consumed bytes or changed phase (the scan loop goes on). */
  private progressed = false;

  constructor(
    boundary: string,
    private readonly field: string,
  ) {
    this.opening = encoder.encode(`--${boundary}`);
    this.delimiter = encoder.encode(`\r\n--${boundary}`);
  }

  push(chunk: Uint8Array): FoundField | null {
    this.pending = this.pending.length === 0 ? chunk : concat(this.pending, chunk);
    for (;;) {
      this.progressed = false;
      const found = this.step();
      if (found) return found;
      if (this.phase === "done") throw this.end();
      if (!this.progressed) return null;
    }
  }

  /** The body ended without the field. */
  end(): AppError {
    if (this.phase === "done") {
      return new AppError("bad_request", `The multipart body has no '${this.field}' field`, {
        code: "missing_field",
        param: this.field,
      });
    }
    return malformed("the body ended before its closing boundary");
  }

  private consume(bytes: number): void {
    this.pending = this.pending.subarray(bytes);
    this.pendingAt += bytes;
    this.progressed = true;
  }

  private step(): FoundField | null {
    switch (this.phase) {
      case "opening":
        return this.stepOpening();
      case "after_delimiter":
        return this.stepAfterDelimiter();
      case "headers":
        return this.stepHeaders();
      case "content":
        return this.stepContent();
      default:
        return null;
    }
  }

  private stepOpening(): null {
    const length = Math.min(this.pending.length, this.opening.length);
    for (let i = 0; i < length; i++) {
      if (this.pending[i] !== this.opening[i]) throw malformed("it does not start with its boundary");
    }
    if (this.pending.length < this.opening.length) return null;
    this.consume(this.opening.length);
    this.phase = "after_delimiter";
    return null;
  }

  private stepAfterDelimiter(): null {
    if (this.pending.length < 2) return null;
    const a = this.pending[0];
    const b = this.pending[1];
    this.progressed = true;
    if (a === 0x2d && b === 0x2d) this.phase = "done";
    else if (a === 0x0d && b === 0x0a) this.phase = "headers";
    else throw malformed("a boundary is followed by neither CRLF nor --");
    this.consume(2);
    return null;
  }

  private stepHeaders(): null {
    const end = indexOfBytes(this.pending, CRLF2);
    if (end < 0) {
      if (this.pending.length > MAX_PART_HEADERS) throw malformed("a part's headers are too long");
      return null;
    }
    const headers = decoder.decode(this.pending.subarray(0, end));
    this.inField = partName(headers) === this.field;
    this.consume(end + 4);
    this.fieldStart = this.pendingAt;
    this.phase = "content";
    return null;
  }

  private stepContent(): FoundField | null {
    const end = indexOfBytes(this.pending, this.delimiter);
    if (end < 0) {
      if (this.inField) {
        if (this.pending.length > MAX_FIELD_BYTES + this.delimiter.length) {
          throw malformed(`the '${this.field}' field is too long`);
        }
        return null;
      }
      // Keep only what could still be the start of a delimiter.
      const keep = Math.min(this.pending.length, this.delimiter.length - 1);
      if (this.pending.length > keep) this.consume(this.pending.length - keep);
      return null;
    }
    if (this.inField) {
      const value = decoder.decode(this.pending.subarray(0, end));
      return { value, start: this.fieldStart, end: this.pendingAt + end };
    }
    this.consume(end + this.delimiter.length);
    this.phase = "after_delimiter";
    return null;
  }
}

const CRLF2 = encoder.encode("\r\n\r\n");

/** The `name` parameter of a part's Content-Disposition, or null. */
function partName(headers: string): string | null {
  for (const line of headers.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== "content-disposition") continue;
    const match = /;\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(line.slice(colon + 1));
    if (match) return match[1] ?? match[2] ?? null;
  }
  return null;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
