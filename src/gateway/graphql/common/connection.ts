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

/**
 * Pages `items` (any order) by key. Without `first` or `last`, the first {@link DEFAULT_PAGE_SIZE}
 * items are returned.
 */
export function connectionFrom<T>(
  items: readonly T[],
  args: ConnectionArgs,
  keyOf: (item: T) => string,
): ConnectionResult<T> {
  const first = pageSize(args.first, 'first');
  const last = pageSize(args.last, 'last');
  const after = args.after != null ? decodeCursor(args.after, 'after') : undefined;
  const before = args.before != null ? decodeCursor(args.before, 'before') : undefined;
  const keyed = items.map((node) => ({ key: keyOf(node), node }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let start = 0;
  let end = keyed.length;
  if (after !== undefined) {
    while (start < end && keyed[start]!.key <= after) start++;
  }
  if (before !== undefined) {
    while (end > start && keyed[end - 1]!.key >= before) end--;
  }
  const windowStart = start;
  const windowEnd = end;
  if (first !== undefined) end = Math.min(end, start + first);
  if (last !== undefined) start = Math.max(start, end - last);
  if (first === undefined && last === undefined) end = Math.min(end, start + DEFAULT_PAGE_SIZE);
  const edges = keyed.slice(start, end).map((k) => ({ cursor: encodeCursor(k.key), node: k.node }));
  return {
    edges,
    pageInfo: {
      hasPreviousPage: start > windowStart || (after !== undefined && windowStart > 0),
      hasNextPage: end < windowEnd || (before !== undefined && windowEnd < keyed.length),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: keyed.length,
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
