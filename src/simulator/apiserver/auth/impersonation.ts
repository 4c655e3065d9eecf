/**
 * User impersonation (`Impersonate-User`, `-Group`, `-Uid`, `-Extra-<key>`), as apiserver's
 * impersonation filter does it: every requested value is one authorization check of the
 * `impersonate` verb by the real caller, and the impersonated identity is what the rest of the
 * request is judged as. Headers are read line by line: a comma inside one value is not a split.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../errors.js';
import { forbiddenError, type Attributes } from './attributes.js';
import type { Decision } from './rbac.js';
import { splitServiceAccount } from './rbac.js';
import { ANONYMOUS, AUTHENTICATED, UNAUTHENTICATED, type UserInfo } from './tokens.js';
import { AUTHN_GROUP } from './resources.js';

interface Request {
  kind: 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';
  name: string;
  namespace?: string;
  /** The extra key, for UserExtra. */
  key?: string;
}

const EXTRA_PREFIX = 'impersonate-extra-';

function unescapeKey(k: string): string {
  try {
    return decodeURIComponent(k);
  } catch {
    return k;
  }
}

/** Go's `%v` of the ObjectReference apiserver builds per request, for its error text. */
function goRef(r: Request): string {
  const apiVersion = r.kind === 'UserExtra' || r.kind === 'UID' ? `${AUTHN_GROUP}/v1` : '';
  return `{${r.kind} ${r.namespace ?? ''} ${r.name}  ${apiVersion}  ${r.key ?? ''}}`;
}

function requestsOf(req: IncomingMessage): Request[] {
  const h = req.headersDistinct;
  const out: Request[] = [];
  const user = h['impersonate-user']?.[0] ?? '';
  if (user !== '') {
    const sa = splitServiceAccount(user);
    out.push(sa ? { kind: 'ServiceAccount', namespace: sa[0], name: sa[1] } : { kind: 'User', name: user });
  }
  for (const g of h['impersonate-group'] ?? []) out.push({ kind: 'Group', name: g });
  for (const [name, values] of Object.entries(h)) {
    if (!name.startsWith(EXTRA_PREFIX) || !values) continue;
    const key = unescapeKey(name.slice(EXTRA_PREFIX.length).toLowerCase());
    for (const v of values) out.push({ kind: 'UserExtra', name: v, key });
  }
  const uid = h['impersonate-uid']?.[0] ?? '';
  if (uid !== '') out.push({ kind: 'UID', name: uid });
  const others = out.filter((r) => r.kind !== 'User' && r.kind !== 'ServiceAccount');
  if (others.length > 0 && user === '')
    throw new ApiError({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `Internal Server Error: ${JSON.stringify(req.url ?? '')}: requested [${out.map(goRef).join(' ')}] without impersonating a user`,
      reason: 'InternalError',
      code: 500,
    });
  return out;
}

/**
 * The identity a request acts as: the caller's own, or the impersonated one once every part of it
 * was allowed. Throws the 403 of the first part the caller may not impersonate.
 */
export function impersonate(
  req: IncomingMessage,
  requestor: UserInfo,
  authorize: (a: Attributes) => Decision,
): UserInfo | undefined {
  const requests = requestsOf(req);
  if (requests.length === 0) return undefined;
  const groupsSpecified = (req.headersDistinct['impersonate-group'] ?? []).length > 0;
  let username = '';
  let uid = '';
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    const a: Attributes = {
      user: requestor,
      verb: 'impersonate',
      resourceRequest: true,
      path: req.url ?? '',
      namespace: r.namespace ?? '',
      apiGroup: '',
      apiVersion: 'v1',
      resource: '',
      subresource: '',
      name: r.name,
    };
    switch (r.kind) {
      case 'ServiceAccount':
        a.resource = 'serviceaccounts';
        username = `system:serviceaccount:${r.namespace}:${r.name}`;
        // A service account's groups follow from its namespace unless groups are given.
        if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
        break;
      case 'User':
        a.resource = 'users';
        username = r.name;
        break;
      case 'Group':
        a.resource = 'groups';
        groups.push(r.name);
        break;
      case 'UserExtra':
        a.apiGroup = AUTHN_GROUP;
        a.resource = 'userextras';
        a.subresource = r.key!;
        (extra[r.key!] ??= []).push(r.name);
        break;
      case 'UID':
        a.apiGroup = AUTHN_GROUP;
        a.resource = 'uids';
        uid = r.name;
        break;
    }
    const d = authorize(a);
    if (!d.allowed) throw forbiddenError(a, d.reason);
  }
  // Given groups are the whole truth, except that a named user is still authenticated.
  if (username !== ANONYMOUS) {
    if (!groups.includes(AUTHENTICATED) && !groups.includes(UNAUTHENTICATED)) groups.push(AUTHENTICATED);
  } else if (!groups.includes(UNAUTHENTICATED)) groups.push(UNAUTHENTICATED);
  return { username, uid, groups, extra };
}
