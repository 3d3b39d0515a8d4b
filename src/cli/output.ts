// Owns what the CLI prints: borderless tables (cli-table3) for people, indented JSON for scripts.
import Table from "cli-table3";

export interface Printer {
  json: boolean;
  /** Stdout sink (tests and the bin both write to process.stdout). */
  write(text: string): void;
}

export type Column<T> = [header: string, cell: (row: T) => unknown];

function text(value: unknown): string {
  if (value === null || value === undefined || value === "") return "-";
  if (Array.isArray(value)) return value.length ? value.join(",") : "-";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(1);
  return String(value);
}

const PLAIN = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "  ",
};

export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const rendered = new Table({
    head: columns.map(([header]) => header),
    chars: PLAIN,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
  });
  for (const row of rows) rendered.push(columns.map(([, cell]) => text(cell(row))));
  return rendered
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

/** Key/value lines for one object (status, a created key). */
export function fields(pairs: readonly [label: string, value: unknown][]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${text(value)}`).join("\n");
}

/** `--json` prints `data` as is; otherwise the human rendering. */
export function emit(printer: Printer, data: unknown, human: () => string): void {
  printer.write(`${printer.json ? JSON.stringify(data, null, 2) : human()}\n`);
}
