/**
 * Exponential backoff with full jitter: each delay is a random value in [min, cap], where cap grows
 * by `factor` per failure up to `max`. `reset()` after a success.
 */
export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly factor?: number;
  readonly random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 500;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.random = opts.random ?? Math.random;
  }

  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    const cap = Math.min(this.maxMs, this.initialMs * this.factor ** this.attempt);
    this.attempt++;
    const floor = this.initialMs / 2;
    return Math.round(floor + this.random() * Math.max(0, cap - floor));
  }

  reset(): void {
    this.attempt = 0;
  }
}
