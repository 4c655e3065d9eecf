import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { checkBackpressure, DEFAULT_SUBSCRIPTION_LIMITS, subscriptionLimitErrors } from './subscriptions.js';

function fakeSocket(bufferedAmount: number) {
  const calls: unknown[][] = [];
  const socket = {
    CLOSED: 3,
    readyState: 1,
    bufferedAmount,
    close: (...a: unknown[]) => calls.push(['close', ...a]),
    terminate: () => calls.push(['terminate']),
  };
  return { socket: socket as unknown as WebSocket, calls };
}

describe('subscription limits', () => {
  it('refuses only the subscription over the per-connection limit', () => {
    const limits = { ...DEFAULT_SUBSCRIPTION_LIMITS, subscriptionsPerConnection: 2 };
    expect(subscriptionLimitErrors(2, limits)).toBeUndefined();
    const errors = subscriptionLimitErrors(3, limits)!;
    expect(errors.map((e) => e.extensions['code'])).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
  });

  it('closes a connection with too many unsent bytes with 4429 and a reason, and leaves others alone', () => {
    const limits = { ...DEFAULT_SUBSCRIPTION_LIMITS, maxBufferedBytes: 1_000 };
    const ok = fakeSocket(1_000);
    checkBackpressure(ok.socket, limits);
    expect(ok.calls).toEqual([]);
    const slow = fakeSocket(1_001);
    checkBackpressure(slow.socket, limits);
    expect(slow.calls).toHaveLength(1);
    expect(slow.calls[0]![0]).toBe('close');
    expect(slow.calls[0]![1]).toBe(4429);
    expect(String(slow.calls[0]![2])).toMatch(/^SUBSCRIBER_TOO_SLOW/);
    expect(String(slow.calls[0]![2]).length).toBeLessThanOrEqual(123);
  });
});
