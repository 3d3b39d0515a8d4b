// Owns client-side routes under /dashboard/ (History API; the server answers any of them with index.html).
import { signal } from "@preact/signals";

const BASE = "/dashboard";

function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : "/";
  return path === "" ? "/" : path;
}

/** The path below /dashboard, e.g. "/", "/endpoints/abc", "/requests". */
export const route = signal(currentPath());

export function navigate(path: string, replace = false): void {
  const url = `${BASE}${path}`;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  route.value = currentPath();
}

addEventListener("popstate", () => {
  route.value = currentPath();
});

/** An <a> onClick that navigates in-app while keeping the href for middle-click / copy link. */
export function linkTo(path: string) {
  return {
    href: `${BASE}${path}`,
    onClick: (event: MouseEvent) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      navigate(path);
    },
  };
}
