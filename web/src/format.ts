// Owns how numbers and times read to a human: 1.2k, 3.4 s, 42.5 tok/s, "—" for unmeasured.

export const DASH = "—";

/** 950 → "950", 1234 → "1.2k", 3_400_000 → "3.4M". */
export function compact(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  const abs = Math.abs(value);
  const units: [number, string][] = [
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [size, suffix] of units)
    if (abs >= size) {
      const scaled = value / size;
      return `${scaled >= 100 ? Math.round(scaled) : Number(scaled.toFixed(1))}${suffix}`;
    }
  return String(Math.round(value * 10) / 10);
}

/** Milliseconds: 850 → "850 ms", 3400 → "3.4 s", 125000 → "2.1 min". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Tokens per second with one decimal, rounded like the API (to 0.1): "42.5 tok/s". */
export function tps(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return `${(Math.round(value * 10) / 10).toFixed(1)} tok/s`;
}

export function percent(part: number, whole: number): string {
  if (whole <= 0) return DASH;
  const value = (part / whole) * 100;
  return `${value >= 99.95 || value === 0 ? Math.round(value) : value.toFixed(1)}%`;
}

/** Epoch ms or ISO → local "HH:MM:SS" today, else "Mon 3, HH:MM". */
export function clockTime(epochMs: number | null): string {
  if (epochMs === null) return DASH;
  const date = new Date(epochMs);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour12: false })
    : date.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** "3 s ago", "5 min ago". */
export function ago(epochMs: number | null, now = Date.now()): string {
  if (epochMs === null) return "never";
  const seconds = Math.max(0, Math.round((now - epochMs) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}
