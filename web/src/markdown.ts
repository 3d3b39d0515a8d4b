// Owns turning model output (Markdown) into safe HTML: marked renders it with raw HTML escaped (shown as
// text, never parsed), images become links (no remote loads), and DOMPurify sanitises the result.
import DOMPurify from "dompurify";
import { Marked } from "marked";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    // Raw HTML in the answer is shown as text: nothing the model writes becomes markup by itself.
    html: ({ text }) => escapeHtml(text),
    // An image would load from wherever the model points (and break the CSP): a link instead.
    image: ({ href, text }) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
  },
});

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

/** Safe HTML for `text` (Markdown, possibly cut mid-stream). */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text) as string;
  return DOMPurify.sanitize(html, {
    // Inline styles (table alignment) would be CSP violations; images are links (see above).
    FORBID_ATTR: ["style"],
    FORBID_TAGS: ["img", "style", "form", "input", "button"],
    ADD_ATTR: ["target"],
  });
}
