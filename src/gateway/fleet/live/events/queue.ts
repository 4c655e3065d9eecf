/**
 * Per-subscriber queues between the engine (which pushes synchronously, in store order) and one
 * client (which pulls as fast as its transport drains). Two policies:
 *
 * - {@link BoundedQueue}: every event matters (removals, state transitions), so none is dropped;
 *   a subscriber that falls `capacity` events behind is cut off with SUBSCRIBER_TOO_SLOW instead
 *   of growing memory or slowing anyone else. Its `onOverflow` lets the transport close the
 *   connection with a clear reason.
 * - {@link LatestQueue}: only the newest value matters (an object's current spec and status), so a
 *   slow subscriber gets the latest value when it next pulls: coalesced, never stale, one slot.
 *
 * Both are plain async iterators (no Repeater, whose unbounded push queue crashes the process past
 * 1,024 pending pushes: docs/libraries.md §2.7); `return()` detaches at once, even while a pull waits.
 */
import { ErrorCode, FleetGraphError } from '../../../../shared/errors.js';

type Waiter<T> = {
  resolve: (r: IteratorResult<T, undefined>) => void;
  reject: (e: Error) => void;
};

const DONE = { done: true, value: undefined } as const;

abstract class PullQueue<T> implements AsyncIterableIterator<T, undefined> {
  protected waiter: Waiter<T> | undefined;
  protected closed = false;
  protected ending = false;
  private failure: Error | undefined;
  private readonly onClose: (() => void) | undefined;

  constructor(onClose?: () => void) {
    this.onClose = onClose;
  }

  protected abstract take(): T | typeof EMPTY;
  protected abstract clear(): void;
  abstract get size(): number;

  /** True once the consumer returned, or the queue ended or failed. */
  get isClosed(): boolean {
    return this.closed;
  }

  protected deliver(value: T): boolean {
    if (this.closed || this.ending) return false;
    const w = this.waiter;
    if (!w) return false;
    this.waiter = undefined;
    w.resolve({ done: false, value });
    return true;
  }

  /** Ends the stream with an error; items not yet pulled are dropped. */
  fail(error: Error): void {
    if (this.closed) return;
    this.failure = error;
    this.finish();
  }

  private finish(): void {
    this.closed = true;
    this.clear();
    const w = this.waiter;
    this.waiter = undefined;
    if (w) {
      if (this.failure !== undefined) {
        const e = this.failure;
        this.failure = undefined;
        w.reject(e);
      } else w.resolve(DONE);
    }
    this.onClose?.();
  }

  /** Ends the stream once what is queued has been pulled. */
  end(): void {
    if (this.closed) return;
    this.ending = true;
    if (this.size === 0) this.finish();
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const item = this.take();
    if (item !== EMPTY) return Promise.resolve({ done: false, value: item });
    if (this.ending && !this.closed) this.finish();
    if (this.closed) {
      if (this.failure !== undefined) {
        const e = this.failure;
        this.failure = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve(DONE);
    }
    if (this.waiter) return Promise.reject(new Error('concurrent next() on a subscription queue'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T, undefined>> {
    if (!this.closed) this.finish();
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<T, undefined>> {
    if (!this.closed) this.finish();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

const EMPTY = Symbol('empty');

export interface BoundedQueueOptions {
  /** Most events held for this subscriber before it is cut off. */
  readonly capacity: number;
  /** Called once when the subscriber is cut off for falling behind. */
  readonly onOverflow?: ((error: FleetGraphError) => void) | undefined;
  /** Called once when the queue closes for any reason (to detach it from its source). */
  readonly onClose?: (() => void) | undefined;
  /** Called with the number of events lost when the subscriber is cut off (for metrics). */
  readonly onDrop?: ((count: number) => void) | undefined;
}

export class BoundedQueue<T> extends PullQueue<T> {
  private items: T[] = [];
  private head = 0;
  private readonly capacity: number;
  private readonly onOverflow: ((error: FleetGraphError) => void) | undefined;
  private readonly onDrop: ((count: number) => void) | undefined;
  /** The most events this queue ever held at once (for tests and metrics). */
  highWater = 0;

  constructor(opts: BoundedQueueOptions) {
    super(opts.onClose);
    this.capacity = Math.max(1, opts.capacity);
    this.onOverflow = opts.onOverflow;
    this.onDrop = opts.onDrop;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Adds an event; false when the queue is closed (or just closed by overflowing). */
  push(item: T): boolean {
    if (this.closed || this.ending) return false;
    if (this.deliver(item)) return true;
    if (this.size >= this.capacity) {
      const error = new FleetGraphError(
        ErrorCode.SUBSCRIBER_TOO_SLOW,
        `the subscriber fell ${this.capacity} events behind and was disconnected; resume with the last cursor it received`,
        { capacity: this.capacity },
      );
      // Cutting the subscriber off drops what it had queued, and the event it could not take.
      this.onDrop?.(this.size + 1);
      this.fail(error);
      this.onOverflow?.(error);
      return false;
    }
    this.items.push(item);
    if (this.size > this.highWater) this.highWater = this.size;
    return true;
  }

  protected take(): T | typeof EMPTY {
    if (this.size === 0) return EMPTY;
    const item = this.items[this.head]!;
    this.head++;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  protected clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class LatestQueue<T> extends PullQueue<T> {
  private slot: T | typeof EMPTY = EMPTY;
  /** How many values were replaced before the subscriber pulled them (coalesced). */
  coalesced = 0;

  constructor(
    onClose?: () => void,
    private readonly onCoalesce?: () => void,
  ) {
    super(onClose);
  }

  get size(): number {
    return this.slot === EMPTY ? 0 : 1;
  }

  /** Offers the newest value; an older one not yet pulled is replaced. */
  push(value: T): boolean {
    if (this.closed || this.ending) return false;
    if (this.deliver(value)) return true;
    if (this.slot !== EMPTY) {
      this.coalesced++;
      this.onCoalesce?.();
    }
    this.slot = value;
    return true;
  }

  protected take(): T | typeof EMPTY {
    const v = this.slot;
    this.slot = EMPTY;
    return v;
  }

  protected clear(): void {
    this.slot = EMPTY;
  }
}
