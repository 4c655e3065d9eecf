/**
 * The elector's rules on a manual clock and an in-memory Lease that behaves like the API server
 * (resourceVersion preconditions → conflict). The same elector against the emulator over HTTP is
 * exercised in test/gateway/leader.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import {
  checkTiming,
  LeaderElector,
  LockConflict,
  microTime,
  type LeaseLock,
  type LeaseRecord,
  type ReadLease,
} from './leader.js';

class MemoryLock implements LeaseLock {
  current: ReadLease | undefined;
  private rv = 0;
  writes: LeaseRecord[] = [];
  /** While true every call fails as a network error would. */
  down = false;

  describe(): string {
    return 'memory/lease';
  }
  private check(): void {
    if (this.down) throw new Error('connection refused');
  }
  private put(record: LeaseRecord): ReadLease {
    this.writes.push(record);
    this.current = { record: { ...record }, resourceVersion: String(++this.rv) };
    return this.current;
  }
  get(): Promise<ReadLease | undefined> {
    this.check();
    return Promise.resolve(this.current);
  }
  create(record: LeaseRecord): Promise<ReadLease> {
    this.check();
    if (this.current) return Promise.reject(new LockConflict('already exists'));
    return Promise.resolve(this.put(record));
  }
  update(record: LeaseRecord, resourceVersion: string): Promise<ReadLease> {
    this.check();
    if (this.current?.resourceVersion !== resourceVersion)
      return Promise.reject(new LockConflict('the object has been modified'));
    return Promise.resolve(this.put(record));
  }
}

const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
let electors: LeaderElector[] = [];

function elector(lock: LeaseLock, clock: ManualClock, identity: string, log: string[] = []) {
  const e = new LeaderElector({
    lock,
    clock,
    identity,
    logger: silentLogger(),
    random: () => 0,
    ...timing,
    onStartedLeading: () => log.push(`${identity}:started`),
    onStoppedLeading: () => log.push(`${identity}:stopped`),
  });
  electors.push(e);
  return e;
}

afterEach(async () => {
  for (const e of electors) await e.stop({ release: false });
  electors = [];
});

/** Lets the elector's promise chains run without moving the clock. */
async function flush(clock: ManualClock): Promise<void> {
  for (let i = 0; i < 5; i++) await clock.advance(0);
}

describe('LeaderElector', () => {
  it('creates the Lease with six-digit MicroTimes and leads; a second replica follows', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0, 103));
    const lock = new MemoryLock();
    const a = elector(lock, clock, 'a');
    const b = elector(lock, clock, 'b');
    a.start();
    await expect.poll(() => a.isLeader()).toBe(true);
    b.start();
    await flush(clock);
    expect(b.isLeader()).toBe(false);
    expect(b.leader()).toBe('a');
    expect(lock.current?.record).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      renewTime: '2026-01-01T12:00:00.103000Z',
    });
  });

  it('renews every retry period keeping acquireTime and the transition count', async () => {
    const clock = new ManualClock();
    const lock = new MemoryLock();
    const a = elector(lock, clock, 'a');
    a.start();
    await expect.poll(() => a.isLeader()).toBe(true);
    const acquired = lock.current!.record.acquireTime;
    await clock.advance(2_000);
    await flush(clock);
    expect(lock.writes).toHaveLength(2);
    expect(lock.current!.record.acquireTime).toBe(acquired);
    expect(lock.current!.record.renewTime).toBe(microTime(clock.now()));
    expect(lock.current!.record.leaseTransitions).toBe(0);
  });

  it('takes over only once the lease has not changed for a lease duration, observed locally', async () => {
    const clock = new ManualClock();
    const lock = new MemoryLock();
    // A record written by a holder whose clock is a day ahead: its timestamps must not matter.
    lock.current = {
      resourceVersion: '7',
      record: {
        holderIdentity: 'crashed',
        leaseDurationSeconds: 15,
        renewTime: microTime(clock.now() + 86_400_000),
        acquireTime: microTime(clock.now() + 86_400_000),
        leaseTransitions: 3,
      },
    };
    const b = elector(lock, clock, 'b');
    b.start();
    await flush(clock);
    expect(b.isLeader()).toBe(false);
    await clock.advance(14_000);
    await flush(clock);
    expect(b.isLeader()).toBe(false);
    // Retries come every 2 s (no jitter here); the first after the 15 s mark takes over.
    await clock.advance(2_000);
    await flush(clock);
    expect(b.isLeader()).toBe(true);
    expect(lock.current.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 4 });
  });

  it('waits again whenever the holder renews (the observed time moves)', async () => {
    const clock = new ManualClock();
    const lock = new MemoryLock();
    const a = elector(lock, clock, 'a');
    const b = elector(lock, clock, 'b');
    a.start();
    await expect.poll(() => a.isLeader()).toBe(true);
    b.start();
    for (let i = 0; i < 20; i++) {
      await clock.advance(2_000);
      await flush(clock);
    }
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(lock.current?.record.leaseTransitions).toBe(0);
  });

  it('steps down when it cannot renew within the renew deadline; the follower takes over later', async () => {
    const clock = new ManualClock();
    const lock = new MemoryLock();
    const log: string[] = [];
    const a = elector(lock, clock, 'a', log);
    a.start();
    await expect.poll(() => a.isLeader()).toBe(true);
    lock.down = true;
    for (let i = 0; i < 4; i++) {
      await clock.advance(2_000);
      await flush(clock);
    }
    expect(a.isLeader()).toBe(true);
    await clock.advance(2_000);
    await flush(clock);
    expect(a.isLeader()).toBe(false);
    expect(log).toEqual(['a:started', 'a:stopped']);
  });

  it('steps down at once when the record names another holder', async () => {
    const clock = new ManualClock();
    const lock = new MemoryLock();
    const a = elector(lock, clock, 'a');
    a.start();
    await expect.poll(() => a.isLeader()).toBe(true);
    // Someone overwrote the record (e.g. a forced takeover).
    lock.current = { resourceVersion: '99', record: { ...lock.current!.record, holderIdentity: 'z' } };
    await clock.advance(2_000);
    await flush(clock);
    expect(a.isLeader()).toBe(false);
    expect(a.leader()).toBe('z');
  });

  it('releases on a graceful stop so the follower takes over at its next retry', async () => {
    const clock = new ManualClock();
    const lock = new MemoryLock();
    const a = elector(lock, clock, 'a');
    const b = elector(lock, clock, 'b');
    a.start();
    await expect.poll(() => a.isLeader()).toBe(true);
    b.start();
    await flush(clock);
    await a.stop();
    expect(lock.current?.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    await clock.advance(2_000);
    await flush(clock);
    expect(b.isLeader()).toBe(true);
    expect(lock.current?.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('does not release when stopped as a crash', async () => {
    const clock = new ManualClock();
    const lock = new MemoryLock();
    const a = elector(lock, clock, 'a');
    a.start();
    await expect.poll(() => a.isLeader()).toBe(true);
    await a.stop({ release: false });
    expect(lock.current?.record.holderIdentity).toBe('a');
  });

  it('of two replicas racing for a free Lease, exactly one wins (the other gets a conflict)', async () => {
    const clock = new ManualClock();
    const lock = new MemoryLock();
    const a = elector(lock, clock, 'a');
    const b = elector(lock, clock, 'b');
    a.start();
    b.start();
    await flush(clock);
    for (let i = 0; i < 5; i++) {
      await clock.advance(2_000);
      await flush(clock);
      expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    }
  });

  it('checks the timing like client-go', () => {
    expect(checkTiming(timing)).toBeUndefined();
    expect(checkTiming({ ...timing, renewDeadlineMs: 15_000 })).toMatch(/greater than the renew deadline/);
    expect(checkTiming({ ...timing, retryPeriodMs: 9_000 })).toMatch(/1.2 × the retry period/);
    expect(
      () =>
        new LeaderElector({
          lock: new MemoryLock(),
          clock: new ManualClock(),
          identity: 'x',
          logger: silentLogger(),
          ...timing,
          renewDeadlineMs: 20_000,
        }),
    ).toThrow(RangeError);
  });
});
