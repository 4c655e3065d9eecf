/**
 * Status events: a subscription learns when the watches behind it turn stale (answers come from the
 * last good state) and when they recover, in its own stream, between its ordinary events.
 * Transitions that happen while the subscriber is busy collapse into one event that says how
 * things are now.
 */
import type { FreshnessSource } from '../common/freshness.js';

/**
 * `source`, with `status()` inserted after every change of the freshness of `kinds` (skipped
 * when it returns undefined). Without a freshness source the stream is unchanged.
 */
export function withStatusEvents<T>(
  source: AsyncIterable<T>,
  freshness: FreshnessSource | undefined,
  kinds: readonly string[],
  status: () => T | undefined,
): AsyncIterable<T> {
  if (!freshness) return source;
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const it = source[Symbol.asyncIterator]();
      let pending: Promise<IteratorResult<T>> | undefined;
      let changed = false;
      let done = false;
      let wake: (() => void) | undefined;
      const off = freshness.onChange(kinds, () => {
        changed = true;
        wake?.();
      });
      const finish = (): IteratorResult<T> => {
        done = true;
        off();
        return { done: true, value: undefined };
      };
      return {
        async next(): Promise<IteratorResult<T>> {
          for (;;) {
            if (done) return { done: true, value: undefined };
            if (changed) {
              changed = false;
              const value = status();
              if (value !== undefined) return { done: false, value };
            }
            pending ??= it.next();
            const woken = new Promise<'changed'>((resolve) => {
              wake = () => resolve('changed');
            });
            const first = await Promise.race([pending, woken]);
            wake = undefined;
            if (first === 'changed') continue;
            pending = undefined;
            if (first.done) return finish();
            return first;
          }
        },
        async return(): Promise<IteratorResult<T>> {
          const result = finish();
          wake?.();
          await it.return?.();
          return result;
        },
      };
    },
  };
}
