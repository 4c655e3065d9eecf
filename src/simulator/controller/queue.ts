/**
 * A work queue keyed by object, as controller-runtime has: a key waiting in the queue is not added
 * twice; a key changed while it is being reconciled runs once more afterwards; delayed adds go
 * through the simulated Clock; failed reconciles (conflicts, transport errors) retry with a real
 * backoff, since those protect the API server rather than model Fleet's timing.
 */
import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { isConflict } from './client.js';

/** A reconcile may ask to run again after some simulated time. */
export type ReconcileResult = void | { requeueAfter: number };

export class WorkQueue {
  private readonly order: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { at: number; handle: TimerHandle }>();
  private readonly failures = new Map<string, number>();
  private active = 0;
  private stopped = false;
  private started = false;

  constructor(
    readonly name: string,
    private readonly reconcile: (key: string) => Promise<ReconcileResult>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly concurrency = 8,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.pump();
  }

  /** Adds after `ms` of simulated time; an earlier pending delayed add wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const cur = this.delayed.get(key);
    if (cur && cur.at <= at) return;
    cur?.handle.cancel();
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Starts processing; keys added before (while caches sync) wait until then. */
  start(): void {
    this.started = true;
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    for (const d of this.delayed.values()) d.handle.cancel();
    this.delayed.clear();
  }

  get idle(): boolean {
    return this.order.length === 0 && this.active === 0;
  }

  private pump(): void {
    while (this.started && !this.stopped && this.active < this.concurrency && this.order.length > 0) {
      const key = this.order.shift()!;
      this.queued.delete(key);
      this.running.add(key);
      this.active++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      const res = await this.reconcile(key);
      this.failures.delete(key);
      if (res && res.requeueAfter >= 0) this.addAfter(key, res.requeueAfter);
    } catch (e) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      if (!this.stopped) {
        const level = isConflict(e) || n < 3 ? 'debug' : 'warn';
        this.log[level]({ err: e, queue: this.name, key, attempt: n }, 'reconcile failed; retrying');
        const t = setTimeout(() => this.add(key), Math.min(5_000, 20 * 2 ** Math.min(n, 8)));
        t.unref?.();
      }
    } finally {
      this.running.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
