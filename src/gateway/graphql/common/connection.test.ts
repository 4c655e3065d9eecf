import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { connectionFrom, decodeCursor, encodeCursor, type ConnectionArgs } from './connection.js';

/** The paging rules written the plain way: sort everything, then scan. */
function reference<T>(items: readonly T[], args: ConnectionArgs, keyOf: (item: T) => string) {
  const keyed = items.map((node) => ({ key: keyOf(node), node }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const after = args.after != null ? decodeCursor(args.after, 'after') : undefined;
  const before = args.before != null ? decodeCursor(args.before, 'before') : undefined;
  let start = 0;
  let end = keyed.length;
  if (after !== undefined) while (start < end && keyed[start]!.key <= after) start++;
  if (before !== undefined) while (end > start && keyed[end - 1]!.key >= before) end--;
  const [ws, we] = [start, end];
  if (args.first != null) end = Math.min(end, start + args.first);
  if (args.last != null) start = Math.max(start, end - args.last);
  if (args.first == null && args.last == null) end = Math.min(end, start + 100);
  const edges = keyed.slice(start, end).map((k) => ({ cursor: encodeCursor(k.key), node: k.node }));
  return {
    edges,
    pageInfo: {
      hasPreviousPage: start > ws || (after !== undefined && ws > 0),
      hasNextPage: end < we || (before !== undefined && we < keyed.length),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: keyed.length,
  };
}

/** A small deterministic generator, so a failure names a reproducible case. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const record = (key: string) => ({ key, name: key.split('/')[1] });

describe('connectionFrom', () => {
  it('pages sorted, frozen, unsorted and filtered lists exactly as sorting everything would', () => {
    const next = rng(7);
    for (let round = 0; round < 400; round++) {
      const n = next(40);
      const keys = new Set<string>();
      while (keys.size < n) keys.add(`ns-${next(5)}/bd-${String(next(1000)).padStart(3, '0')}`);
      const sorted = [...keys].sort().map(record);
      const shuffled = [...sorted].sort(() => next(3) - 1);
      const probe = () =>
        // Cursors both of present keys and of keys between or beyond them.
        encodeCursor(
          next(2) ? (sorted[next(Math.max(n, 1))]?.key ?? 'ns-0/bd-500') : `ns-${next(6)}/bd-${next(1000)}`,
        );
      const args: ConnectionArgs = {
        first: next(3) === 0 ? undefined : next(12),
        last: next(3) === 0 ? next(12) : undefined,
        after: next(2) ? probe() : undefined,
        before: next(3) === 0 ? probe() : undefined,
      };
      const expected = reference(sorted, args, (r) => r.key);
      expect(connectionFrom(sorted, args)).toEqual(expected);
      expect(connectionFrom(Object.freeze([...sorted]), args)).toEqual(expected);
      expect(connectionFrom(shuffled, args)).toEqual(expected);
      expect(connectionFrom(shuffled, args, (r) => r.key)).toEqual(expected);
      const odd = sorted.filter((_, i) => i % 2 === 1);
      expect(connectionFrom(odd, args)).toEqual(reference(odd, args, (r) => r.key));
    }
  });

  it('pages by the given key when it differs from the items’ own order', () => {
    const items = Object.freeze(['a/3', 'a/1', 'a/2'].map(record));
    const byName = connectionFrom(items, { first: 2 }, (r) => r.name!);
    expect(byName.edges.map((e) => e.node.key)).toEqual(['a/1', 'a/2']);
    // The same frozen array paged by its own key afterwards is still sorted first.
    expect(connectionFrom(items, { first: 2 }).edges.map((e) => e.node.key)).toEqual(['a/1', 'a/2']);
  });

  it('answers a frozen sorted list the same on every request, with the total count and cursors', () => {
    const items = Object.freeze(
      Array.from({ length: 5000 }, (_, i) => record(`ns/bd-${String(i).padStart(5, '0')}`)),
    );
    const first = connectionFrom(items, { first: 100 });
    const again = connectionFrom(items, { first: 100, after: first.pageInfo.endCursor });
    expect(first.totalCount).toBe(5000);
    expect(first.edges[0]!.node.key).toBe('ns/bd-00000');
    expect(again.edges[0]!.node.key).toBe('ns/bd-00100');
    expect(again.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    expect(connectionFrom(items, { last: 1 }).edges[0]!.node.key).toBe('ns/bd-04999');
  });

  it('refuses a bad cursor and a page size out of range with stable codes', () => {
    const items = [record('a/1')];
    expect(() => connectionFrom(items, { after: 'not a cursor!' })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_CURSOR }),
    );
    expect(() => connectionFrom(items, { first: 1001 })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
    );
  });
});
