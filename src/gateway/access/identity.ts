/**
 * Who a caller is, as Kubernetes reported it (TokenReview `status.user`), and the key its cached
 * access answers are filed under. Structurally the same as the GraphQL context's `Caller` user
 * (access/ must not import graphql/).
 */
import { createHash } from 'node:crypto';

export interface UserIdentity {
  readonly kind: 'user';
  readonly name: string;
  readonly uid?: string | undefined;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
}

/**
 * A stable key for everything Kubernetes authorizes on: user, uid, groups and extra (sorted, so
 * the same identity always maps to the same cache entries, and a change of groups to new ones).
 */
export function identityKey(user: UserIdentity): string {
  const extra = Object.entries(user.extra ?? {})
    .map(([k, v]) => [k, [...v].sort()] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256')
    .update(JSON.stringify([user.name, user.uid ?? '', [...user.groups].sort(), extra]))
    .digest('base64url');
}

/** SHA-256 of a bearer token: the token itself is never kept, logged or used as a map key. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
