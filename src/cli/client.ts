// Owns the CLI's conversation with a running llmlb: base URL, credentials (API key, session token or a login
// for this one command), and turning every failure into one readable line.

/** A failure the CLI reports as one line on stderr; exitCode 2 is bad usage, 1 everything else. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** llmlb took longer than the bound: a slow request, not an unreachable server. */
export class RequestTimeout extends CliError {}

export interface Connection {
  /** Base URL of llmlb, e.g. http://127.0.0.1:32768 (no trailing slash needed). */
  url: string;
  /** An `sk_` API key or a `ses_` session token, sent as `Authorization: Bearer …`. */
  apiKey?: string;
  /** With password: log in for this command and log out after it (admin routes need a session). */
  user?: string;
  password?: string;
  /** Per-request bound in ms. */
  timeoutMs: number;
}

interface ErrorBody {
  error?: { message?: string; code?: string | null };
}

function serverMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as ErrorBody;
    if (body.error?.message) {
      return body.error.code ? `${body.error.message} (${body.error.code})` : body.error.message;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.trim().slice(0, 200) || `HTTP ${status}`;
}

const HINTS: Record<number, string> = {
  401: " — pass --api-key (LLMLB_API_KEY) or --user/--password (LLMLB_USER/LLMLB_PASSWORD)",
  403: " — these credentials lack the permission; key management needs an admin login (--user/--password)",
};

export function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`--url '${raw}' is not a URL (expected e.g. http://127.0.0.1:32768)`, 2);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliError(`--url '${raw}' must be http:// or https://`, 2);
  }
  return url;
}

export class Api {
  private readonly base: URL;
  private token: string | undefined;
  private loggedIn = false;

  constructor(private readonly connection: Connection) {
    this.base = parseBaseUrl(connection.url);
    this.token = connection.apiKey;
  }

  get url(): string {
    return this.base.href.replace(/\/$/, "");
  }

  get hasCredentials(): boolean {
    return this.token !== undefined || this.connection.user !== undefined;
  }

  /** Raw fetch against llmlb; unreachable servers and timeouts become a CliError. */
  async fetch(
    path: string,
    init: RequestInit = {},
    timeoutMs = this.connection.timeoutMs,
  ): Promise<Response> {
    const target = new URL(path.replace(/^\//, ""), `${this.url}/`);
    try {
      return await fetch(target, { ...init, signal: init.signal ?? AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if ((error as Error).name === "TimeoutError") {
        throw new RequestTimeout(`llmlb at ${this.url} did not answer ${path} within ${timeoutMs / 1000} s`);
      }
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new CliError(`cannot reach llmlb at ${this.url}: ${why}`);
    }
  }

  async headers(json: boolean): Promise<Record<string, string>> {
    await this.ensureLogin();
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (json) headers["content-type"] = "application/json";
    return headers;
  }

  /** A JSON call; a non-2xx answer becomes `<status>: <server message>`. 204 → null. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(path, {
      method,
      headers: await this.headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      const message = serverMessage(response.status, text);
      throw new CliError(`${method} ${path} → ${response.status}: ${message}${HINTS[response.status] ?? ""}`);
    }
    if (response.status === 204 || text === "") return null as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(
        `${method} ${path} → ${response.status}: the answer is not JSON (is ${this.url} llmlb?)`,
      );
    }
  }

  private async ensureLogin(): Promise<void> {
    const { user, password } = this.connection;
    if (this.token !== undefined || user === undefined) return;
    if (password === undefined) throw new CliError("--user needs --password (or LLMLB_PASSWORD)", 2);
    this.token = ""; // the login request itself goes without credentials
    const session = await this.call<{ token: string }>("POST", "/api/auth/login", {
      username: user,
      password,
    });
    this.token = session.token;
    this.loggedIn = true;
  }

  /** Ends the session this command logged in with (no-op for API keys and given tokens). */
  async close(): Promise<void> {
    if (!this.loggedIn) return;
    this.loggedIn = false;
    await this.call("POST", "/api/auth/logout").catch(() => undefined);
  }
}
