// Owns per-endpoint serialisation: probes, edits and deletes of one endpoint never interleave.

export class SerialLocks {
  private readonly locks = new Map<string, Promise<unknown>>();

  /** Runs fn after every earlier operation on the same id (whether that one failed or not). */
  run<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.locks.get(id) ?? Promise.resolve()).then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return run;
  }
}
