// Owns every HTTP call the dashboard makes: same-origin cookies, the CSRF header on mutations,
// and one error type carrying the API's OpenAI-shaped error (message, code, param).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    /** The request field the API blamed (validation errors), when it named one. */
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

const CSRF_STORAGE = "llmlb.csrf";
let csrfToken: string | null = localStorage.getItem(CSRF_STORAGE);
let onUnauthorized: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
  if (token) localStorage.setItem(CSRF_STORAGE, token);
  else localStorage.removeItem(CSRF_STORAGE);
}

/** The session's CSRF token: the one the API handed us, else a double-submit cookie if one is readable. */
function currentCsrf(): string | null {
  if (csrfToken) return csrfToken;
  const cookie = document.cookie.split(/;\s*/).find((part) => /csrf/i.test(part.split("=")[0] ?? ""));
  return cookie ? decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1)) : null;
}

/** Called on any 401 from an authenticated call (the session expired or was revoked). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let code: string | null = null;
  let param: string | null = null;
  try {
    const body = (await response.json()) as { error?: { message?: string; code?: string; param?: string } };
    if (body.error?.message) message = body.error.message;
    code = body.error?.code ?? null;
    param = body.error?.param ?? null;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(response.status, message, code, param);
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  /** Don't treat 401 as "session gone" (the login call itself). */
  anonymous?: boolean;
}

/** POSTs JSON with the session cookie and CSRF header; the Response is the caller's to read (streams). */
export async function postForStream(path: string, body: unknown, signal: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
  const csrf = currentCsrf();
  if (csrf) headers["x-csrf-token"] = csrf;
  const response = await fetch(path, {
    method: "POST",
    headers,
    credentials: "same-origin",
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401) onUnauthorized();
    throw error;
  }
  return response;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") {
    const csrf = currentCsrf();
    if (csrf) headers["x-csrf-token"] = csrf;
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !options.anonymous) onUnauthorized();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}
