// Owns the canonical form of an endpoint's base URL (the uniqueness key) and the name derived from it.

/** Lower-case scheme and host (URL does this), default port dropped, no trailing slash; null when invalid. */
export function normaliseBaseUrl(input: string): string | null {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") return null;
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.protocol}//${url.host}${path}`;
}

/** Scheme, host and port of a normalised base URL: where an endpoint's stored API key may be sent. */
export function originOf(baseUrl: string): string {
  return new URL(baseUrl).origin;
}

/** `host:port` of a normalised base URL, plus its path when it has one (the default endpoint name). */
export function nameFromBaseUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.hostname}:${port}${path}`;
}
