import { parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { accessKey, groupKey, SharedSubscriptions } from './shared.js';

const result = (n: number): ExecutionResult => ({ data: { n } });

describe('SharedSubscriptions', () => {
  it('executes an event once per group at one store revision, again after the store changes', () => {
    let revision = 1;
    const shared = new SharedSubscriptions({ revision: () => revision });
    const event = {};
    let runs = 0;
    const run = () => result(++runs);
    const a = shared.result(event, 'g1', run);
    expect(shared.result(event, 'g1', run)).toBe(a);
    expect(shared.result(event, 'g2', run)).not.toBe(a);
    expect(shared.result({}, 'g1', run)).not.toBe(a);
    expect(shared.stats()).toEqual({ executions: 3, reused: 1 });
    revision = 2;
    expect(shared.result(event, 'g1', run)).toEqual(result(4));
    expect(shared.stats()).toEqual({ executions: 4, reused: 1 });
  });

  it('keeps no failed execution: the next member runs its own', async () => {
    const shared = new SharedSubscriptions({ revision: () => 1 });
    const event = {};
    const failed = shared.result(event, 'g', () => Promise.reject(new Error('boom')));
    await expect(failed).rejects.toThrow('boom');
    expect(await shared.result(event, 'g', () => Promise.resolve(result(1)))).toEqual(result(1));
    expect(shared.stats().executions).toBe(2);
  });

  it('serializes one result object once', () => {
    const shared = new SharedSubscriptions({ revision: () => 1 });
    const r = result(1);
    let made = 0;
    const make = (x: ExecutionResult) => (made++, JSON.stringify(x));
    expect(shared.json(r, make)).toBe(shared.json(r, make));
    expect(made).toBe(1);
    shared.json(result(1), make);
    expect(made).toBe(2);
  });
});

describe('groups', () => {
  const args = (query: string, variables: Record<string, unknown>, caller: unknown) =>
    ({
      document: parse(query),
      variableValues: variables,
      contextValue: { caller },
    }) as unknown as ExecutionArgs;
  const anon = { kind: 'anonymous' };
  const alice = { kind: 'user', name: 'alice', uid: 'u1', groups: ['b', 'a'] };

  it('are the same for the same operation whatever its spacing, and differ by variables and caller', () => {
    const q = 'subscription { x(a: $a) }';
    expect(groupKey(args(q, { a: 1 }, anon))).toBe(groupKey(args('subscription {x(a:$a)}', { a: 1 }, anon)));
    expect(groupKey(args(q, { a: 1 }, anon))).not.toBe(groupKey(args(q, { a: 2 }, anon)));
    expect(groupKey(args(q, { a: 1 }, anon))).not.toBe(groupKey(args(q, { a: 1 }, alice)));
  });

  it('tell users apart by name, uid, groups and extra, not by the order of their groups', () => {
    const key = (c: object) => accessKey(c as Parameters<typeof accessKey>[0]);
    expect(key(alice)).toBe(key({ ...alice, groups: ['a', 'b'] }));
    expect(key(alice)).not.toBe(key({ ...alice, name: 'bob' }));
    expect(key(alice)).not.toBe(key({ ...alice, uid: 'u2' }));
    expect(key(alice)).not.toBe(key({ ...alice, groups: ['a'] }));
    expect(key(alice)).not.toBe(key({ ...alice, extra: { scopes: ['x'] } }));
    expect(key(anon)).toBe('anonymous');
  });
});
