/**
 * Interning: one shared copy of each repeated string (label keys and values, namespaces, bundle and
 * cluster names, deployment IDs) and of each repeated frozen value (label maps, condition lists,
 * resource counts). Across 50k BundleDeployments most of these repeat thousands of times, and a
 * shared copy turns each into a 4-byte pointer (docs/performance-goals.md §2, "projected" row).
 *
 * The tables are bounded: when one grows past its bound it is dropped and starts again. Records
 * built before keep their copies (nothing breaks); new records share anew. This keeps values that
 * stopped repeating (old deployment IDs, old commit labels) from accumulating forever.
 */
export interface InternerOptions {
  /** Bound of the string table. */
  readonly maxStrings?: number;
  /**
   * Bound of the value table. Smaller: a value's signature is kept as the table key, so values that
   * turn out unique (a condition list with its own timestamp) cost their signature until the table
   * is dropped.
   */
  readonly maxValues?: number;
}

export class Interner {
  private strings = new Map<string, string>();
  private values = new Map<string, unknown>();
  private readonly maxStrings: number;
  private readonly maxValues: number;

  constructor(opts: InternerOptions = {}) {
    this.maxStrings = opts.maxStrings ?? 500_000;
    this.maxValues = opts.maxValues ?? 20_000;
  }

  /** The shared copy of `s`. */
  str(s: string): string;
  str(s: string | undefined): string | undefined;
  str(s: string | undefined): string | undefined {
    if (s === undefined) return undefined;
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    if (this.strings.size >= this.maxStrings) this.strings = new Map();
    this.strings.set(s, s);
    return s;
  }

  /**
   * The shared copy of a value that is equal to `build()` when their `signature` is equal. `build`
   * runs only on a miss and must return a frozen value (it is shared by many records).
   */
  value<T>(signature: string, build: () => T): T {
    const hit = this.values.get(signature);
    if (hit !== undefined) return hit as T;
    const v = build();
    if (this.values.size >= this.maxValues) this.values = new Map();
    this.values.set(signature, v);
    return v;
  }

  get size(): { strings: number; values: number } {
    return { strings: this.strings.size, values: this.values.size };
  }
}
