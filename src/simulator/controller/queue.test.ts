import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { WorkQueue } from './queue.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('WorkQueue', () => {
  it('does not run a key twice while it waits, and reruns a key changed during its reconcile', async () => {
    const clock = new ManualClock();
    const runs: string[] = [];
    const gate = deferred();
    const started = deferred();
    const q = new WorkQueue(
      't',
      async (k) => {
        runs.push(k);
        if (runs.length === 1) {
          started.resolve();
          await gate.promise;
        }
      },
      clock,
      silentLogger(),
      1,
    );
    q.add('a');
    q.add('a');
    q.start();
    await started.promise;
    q.add('a'); // changed while running: one more run afterwards
    q.add('a');
    q.add('b');
    gate.resolve();
    await expect.poll(() => q.idle).toBe(true);
    expect(runs.sort()).toEqual(['a', 'a', 'b']);
  });

  it('runs delayed keys on the simulated clock, the earliest request winning', async () => {
    const clock = new ManualClock();
    const runs: string[] = [];
    const q = new WorkQueue('t', (k) => Promise.resolve(void runs.push(k)), clock, silentLogger());
    q.start();
    q.addAfter('a', 5_000);
    q.addAfter('a', 1_000);
    q.addAfter('a', 3_000);
    await clock.advance(999);
    expect(runs).toEqual([]);
    await clock.advance(1);
    await expect.poll(() => runs).toEqual(['a']);
    await clock.advance(10_000);
    await expect.poll(() => q.idle).toBe(true);
    expect(runs).toEqual(['a']);
  });

  it('honours requeueAfter and retries failures', async () => {
    const clock = new ManualClock();
    let n = 0;
    const q = new WorkQueue(
      't',
      () => {
        n++;
        if (n === 1) return Promise.reject(new Error('conflict'));
        if (n === 2) return Promise.resolve({ requeueAfter: 2_000 });
        return Promise.resolve();
      },
      clock,
      silentLogger(),
    );
    q.start();
    q.add('a');
    await expect.poll(() => n).toBe(2); // the failure was retried (real backoff)
    await clock.advance(2_000);
    await expect.poll(() => n).toBe(3);
    q.stop();
  });
});
