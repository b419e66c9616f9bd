/**
 * Runs tasks for the same key one after another, within this process. The simulator reads a
 * record and writes it back; without this, two captures of one hold arriving together could
 * both see the full amount. (Across processes the store would need a conditional write; the
 * simulator does not promise that, see sim-store.ts.)
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      // The last one out removes the key, so the map does not grow with every key ever seen.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
