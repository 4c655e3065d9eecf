/**
 * Relay connections over in-memory lists. Cursors name the item's key (not its offset), so a page
 * boundary stays put when objects are added or removed between requests: `after` means "items whose
 * key sorts after this one", whatever else changed. Bad cursors and page sizes are client errors.
 */
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import { builder } from '../builder.js';

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

export interface ConnectionArgs {
  readonly first?: number | null | undefined;
  readonly last?: number | null | undefined;
  readonly after?: string | null | undefined;
  readonly before?: string | null | undefined;
}

export interface ConnectionResult<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number;
}

const CURSOR_PREFIX = 'k:';

export function encodeCursor(key: string): string {
  return Buffer.from(CURSOR_PREFIX + key, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, arg: string): string {
  const bad = () =>
    new FleetGraphError(
      ErrorCode.INVALID_CURSOR,
      `${arg}: "${cursor}" is not a cursor from this connection`,
      {
        argument: arg,
        cursor,
      },
    );
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor || !text.startsWith(CURSOR_PREFIX))
    throw bad();
  return text.slice(CURSOR_PREFIX.length);
}

function pageSize(value: number | null | undefined, arg: string): number | undefined {
  if (value == null) return undefined;
  if (value < 0 || value > MAX_PAGE_SIZE) {
    throw new FleetGraphError(
      ErrorCode.INVALID_ARGUMENT,
      `${arg} must be between 0 and ${MAX_PAGE_SIZE}, got ${value}`,
      {
        problems: [{ field: arg, message: `must be between 0 and ${MAX_PAGE_SIZE}` }],
      },
    );
  }
  return value;
}

/** Items that carry their own key (every store record: `namespace/name`, or `name`). */
export interface Keyed {
  readonly key: string;
}

/**
 * Frozen arrays already found in strict key order. The store hands out its index lists frozen and
 * in record-key order, the same array for every query of one snapshot version, so a page of a
 * GitRepo's 50,000 deployments is a binary search instead of a sort of all of them per request.
 * Only arrays paged by their items' own `key` are remembered: a frozen array cannot change, and a
 * record's key never does, so the answer holds for as long as the array lives.
 */
const sortedByOwnKey = new WeakSet<readonly Keyed[]>();

/** Whether `items` is in strictly increasing key order (one pass, no allocation). */
function inKeyOrder<T>(items: readonly T[], keyOf: (item: T) => string): boolean {
  let prev: string | undefined;
  for (const item of items) {
    const key = keyOf(item);
    if (prev !== undefined && !(prev < key)) return false;
    prev = key;
  }
  return true;
}

/** The first index in `[lo, hi)` whose key is greater than (or, `orEqual`, at least) `bound`. */
function lowerBound<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  bound: string,
  orEqual: boolean,
  lo: number,
  hi: number,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const key = keyOf(items[mid]!);
    if (key < bound || (!orEqual && key === bound)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const ownKey = (item: Keyed) => item.key;

/**
 * Pages `items` (any order) by key. Without `first` or `last`, the first {@link DEFAULT_PAGE_SIZE}
 * items are returned. Without `keyOf`, each item's own `key` is used. Items already in key order
 * (the store's lists) are paged by binary search, in time independent of the list's length;
 * anything else is sorted first.
 */
export function connectionFrom<T extends Keyed>(
  items: readonly T[],
  args: ConnectionArgs,
): ConnectionResult<T>;
export function connectionFrom<T>(
  items: readonly T[],
  args: ConnectionArgs,
  keyOf: (item: T) => string,
): ConnectionResult<T>;
export function connectionFrom<T>(
  items: readonly T[],
  args: ConnectionArgs,
  keyOf?: (item: T) => string,
): ConnectionResult<T> {
  const first = pageSize(args.first, 'first');
  const last = pageSize(args.last, 'last');
  const after = args.after != null ? decodeCursor(args.after, 'after') : undefined;
  const before = args.before != null ? decodeCursor(args.before, 'before') : undefined;
  const key = keyOf ?? (ownKey as unknown as (item: T) => string);
  let sorted: readonly T[];
  const remembered = keyOf === undefined && sortedByOwnKey.has(items as unknown as readonly Keyed[]);
  if (remembered || inKeyOrder(items, key)) {
    sorted = items;
    if (!remembered && keyOf === undefined && Object.isFrozen(items))
      sortedByOwnKey.add(items as unknown as readonly Keyed[]);
  } else {
    const keyed = items.map((node) => ({ key: key(node), node }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    sorted = keyed.map((k) => k.node);
  }
  const total = sorted.length;
  const start0 = after === undefined ? 0 : lowerBound(sorted, key, after, false, 0, total);
  const end0 = before === undefined ? total : lowerBound(sorted, key, before, true, start0, total);
  let start = start0;
  let end = end0;
  if (first !== undefined) end = Math.min(end, start + first);
  if (last !== undefined) start = Math.max(start, end - last);
  if (first === undefined && last === undefined) end = Math.min(end, start + DEFAULT_PAGE_SIZE);
  const edges: { cursor: string; node: T }[] = [];
  for (let i = start; i < end; i++) {
    const node = sorted[i]!;
    edges.push({ cursor: encodeCursor(key(node)), node });
  }
  return {
    edges,
    pageInfo: {
      hasPreviousPage: start > start0 || (after !== undefined && start0 > 0),
      hasNextPage: end < end0 || (before !== undefined && end0 < total),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: total,
  };
}

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    description: 'How many items the whole list holds (with the filters applied), not only this page.',
    resolve: (parent) => parent.totalCount,
  }),
);

/** A named connection type for a node type, shared by every field that lists it. */
export function connectionOf<Ref extends Parameters<typeof builder.connectionObject>[0]['type']>(
  ref: Ref,
  name: string,
  what: string,
) {
  return builder.connectionObject(
    {
      type: ref,
      name: `${name}Connection`,
      description: `A page of ${what}, with cursors and the total count.`,
    },
    { name: `${name}Edge`, description: `One of ${what} in a page, with its cursor.` },
  );
}
