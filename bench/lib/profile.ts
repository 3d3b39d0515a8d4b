// Bench CPU profiles: share of a process's busy CPU time spent inside named functions, read from the
// .cpuprofile that `node --cpu-prof` writes at exit.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Fraction (0–1) of non-idle sampled time with any of `functions` on the stack. */
export function busyShare(profile: CpuProfile, functions: readonly string[]): number {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const wanted = new Set(functions);
  const inside = new Map<number, boolean>();
  const isInside = (id: number): boolean => {
    const known = inside.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const result =
      (node !== undefined && wanted.has(node.callFrame.functionName)) || (up !== undefined && isInside(up));
    inside.set(id, result);
    return result;
  };
  let busy = 0;
  let matched = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    if (byId.get(id)?.callFrame.functionName === "(idle)") return;
    busy += delta;
    if (isInside(id)) matched += delta;
  });
  return busy > 0 ? matched / busy : Number.NaN;
}

/**
 * Reads the main thread's .cpuprofile in a directory (NaN share when none was written). Node names them
 * CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; a worker thread (id ≥ 1) would write its own.
 */
export function profileShare(directory: string, functions: readonly string[]): number {
  const file = readdirSync(directory).find((name) => /\.0\.\d+\.cpuprofile$/.test(name));
  if (!file) return Number.NaN;
  return busyShare(JSON.parse(readFileSync(join(directory, file), "utf8")) as CpuProfile, functions);
}
