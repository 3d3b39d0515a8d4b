// Owns modal layering: a dimmed backdrop that closes on click or Escape, around a dialog or side drawer.
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";

export function Overlay(props: {
  kind: "modal" | "drawer";
  onClose: () => void;
  children: ComponentChildren;
}) {
  const { onClose } = props;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && onClose();
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div class={`${props.kind}-backdrop`}>
      <button type="button" class="backdrop-hit" aria-label="Close" tabIndex={-1} onClick={onClose} />
      {props.children}
    </div>
  );
}
