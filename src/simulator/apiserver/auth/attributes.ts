/**
 * Request attributes as authorization sees them, derived from the URL alone (apiserver's
 * RequestInfoFactory), so a request for a resource that does not exist is judged before it is
 * found missing, as on a real server; and the 403 Status kube-apiserver words from them.
 */
import { ApiError } from '../errors.js';
import type { UserInfo } from './tokens.js';

export interface Attributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  /** The URL path, for non-resource requests. */
  path: string;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
}

export type RequestInfo = Omit<Attributes, 'user'>;

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const SPECIAL_VERBS = new Set(['proxy', 'watch']);

function methodVerb(method: string): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return '';
  }
}

/** The name a `metadata.name=x` field selector pins a list or watch to, if that is all it asks. */
function nameFromFieldSelector(selector: string | null): string {
  if (!selector) return '';
  const terms = selector.split(',').filter((t) => t !== '');
  for (const t of terms) {
    const m = /^metadata\.name(==?)(.*)$/.exec(t.trim());
    if (m && /^[^/%]+$/.test(m[2]!) && m[2] !== '.' && m[2] !== '..') return m[2]!;
  }
  return '';
}

export function requestInfo(method: string, rawPath: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    verb: method.toLowerCase(),
    resourceRequest: false,
    path: rawPath,
    namespace: '',
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    name: '',
  };
  const trimmed = rawPath.replace(/^\/+|\/+$/g, '');
  let parts = trimmed === '' ? [] : trimmed.split('/');
  try {
    parts = parts.map(decodeURIComponent);
  } catch {
    return info;
  }
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return info;
  let cur = parts.slice(1);
  if (parts[0] === 'apis') {
    if (cur.length < 3) return info;
    info.apiGroup = cur[0]!;
    cur = cur.slice(1);
  }
  info.resourceRequest = true;
  info.apiVersion = cur[0]!;
  cur = cur.slice(1);
  if (SPECIAL_VERBS.has(cur[0]!)) {
    if (cur.length < 2) return { ...info, resourceRequest: false, verb: method.toLowerCase() };
    info.verb = cur[0]!;
    cur = cur.slice(1);
  } else info.verb = methodVerb(method);
  if (cur[0] === 'namespaces') {
    if (cur.length > 1) {
      info.namespace = cur[1]!;
      if (cur.length > 2 && !NAMESPACE_SUBRESOURCES.has(cur[2]!)) cur = cur.slice(2);
    }
  }
  if (cur.length >= 3 && info.verb !== 'proxy') info.subresource = cur[2]!;
  if (cur.length >= 2) info.name = cur[1]!;
  if (cur.length >= 1) info.resource = cur[0]!;
  if (info.name === '' && info.verb === 'get') {
    const watch = query.get('watch');
    info.verb = watch === 'true' || watch === '1' ? 'watch' : 'list';
    info.name = nameFromFieldSelector(query.get('fieldSelector'));
  }
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

/** apiserver responsewriters `forbiddenMessage`. */
export function forbiddenMessage(a: Attributes): string {
  const who = JSON.stringify(a.user.username);
  if (!a.resourceRequest) return `User ${who} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `User ${who} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} ${where}`;
}

/** The 403 kube-apiserver answers (responsewriters.Forbidden → apierrors.NewForbidden). */
export function forbiddenError(a: Attributes, reason = ''): ApiError {
  const msg = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  const gr = !a.resourceRequest ? '' : a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  let message: string;
  if (gr === '') message = `forbidden: ${msg}`;
  else if (a.name === '') message = `${gr} is forbidden: ${msg}`;
  else message = `${gr} ${JSON.stringify(a.name)} is forbidden: ${msg}`;
  const details: Record<string, string> = {};
  if (a.name) details.name = a.name;
  if (a.resourceRequest && a.apiGroup) details.group = a.apiGroup;
  if (a.resourceRequest && a.resource) details.kind = a.resource;
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Forbidden',
    details,
    code: 403,
  });
}
