// Owns short-lived notices (action results) shown in a corner; any component may call notify().
import { signal } from "@preact/signals";

interface Toast {
  id: number;
  text: string;
  kind: "ok" | "error";
}

const toasts = signal<Toast[]>([]);
let nextId = 1;

export function notify(text: string, kind: Toast["kind"] = "ok"): void {
  const id = nextId++;
  toasts.value = [...toasts.value, { id, text, kind }];
  setTimeout(() => {
    toasts.value = toasts.value.filter((toast) => toast.id !== id);
  }, 6000);
}

export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.value.map((toast) => (
        <div key={toast.id} class={`toast toast-${toast.kind}`}>
          {toast.text}
        </div>
      ))}
    </div>
  );
}
