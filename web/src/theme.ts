// Owns the colour scheme the page follows (the system's prefers-color-scheme) for code that draws (charts).
import { signal } from "@preact/signals";

const query = matchMedia("(prefers-color-scheme: dark)");
export const prefersDark = signal(query.matches);
query.addEventListener("change", (event) => {
  prefersDark.value = event.matches;
});

export interface Palette {
  text: string;
  muted: string;
  grid: string;
  success: string;
  error: string;
  accent: string;
}

/** The CSS custom properties of the current scheme (styles.css defines both). */
export function palette(): Palette {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    text: read("--text"),
    muted: read("--muted"),
    grid: read("--grid"),
    success: read("--ok"),
    error: read("--bad"),
    accent: read("--accent"),
  };
}
