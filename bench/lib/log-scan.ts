// Bench log scan: the warnings and errors each llmlb process logged during the run, grouped by message,
// so a report never hides a degraded run (dropped rows, failed writes) behind good-looking numbers.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Messages a run causes on purpose: the auth-disabled banner, the "off" process's rejected writes. */
const EXPECTED: { file: RegExp; message: RegExp }[] = [
  { file: /.*/, message: /^AUTHENTICATION DISABLED/ },
  {
    file: /^persistence-off/,
    message: /cannot write statistics|could not be written|flushing API key|checkpoint failed/,
  },
];

export function scanLogs(logDir: string): string[] {
  const notes: string[] = [];
  for (const file of readdirSync(logDir).filter((name) => name.endsWith(".log"))) {
    const counts = new Map<string, number>();
    for (const line of readFileSync(join(logDir, file), "utf8").split("\n")) {
      if (!line.startsWith("{")) continue;
      let entry: { level?: string; msg?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (entry.level !== "warn" && entry.level !== "error") continue;
      const message = entry.msg ?? "";
      if (EXPECTED.some((rule) => rule.file.test(file) && rule.message.test(message))) continue;
      const key = `${entry.level}: ${message}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, count] of counts) notes.push(`${file.replace(/\.log$/, "")} logged ${count} × “${key}”`);
  }
  return notes;
}
