/**
 * Request routing of the emulator: a URL path to the resource, namespace, name and subresource it
 * names, and an HTTP method to the Kubernetes verb that authorization and fault matching use.
 */
import type { Engine } from './engine.js';
import { badRequest, notFoundPath } from './errors.js';
import type { Resource } from './registry.js';
import { boolParam } from './request.js';

export interface Route {
  resource: Resource;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

/** Splits a resource path the way apiserver's RequestInfoFactory does. */
export function route(engine: Engine, path: string): Route | undefined {
  let parts: string[];
  try {
    parts = path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    throw badRequest(`invalid path: ${path}`);
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    if (rest.length === 3 && group === '' && (rest[2] === 'status' || rest[2] === 'finalize')) {
      const r = engine.registry.get('', version, 'namespaces');
      if (!r) throw notFoundPath();
      return { resource: r, namespace: undefined, name: rest[1], subresource: rest[2] };
    }
    if (rest.length === 2) {
      const r = engine.registry.get(group, version, 'namespaces');
      if (!r) throw notFoundPath();
      return { resource: r, namespace: undefined, name: rest[1], subresource: undefined };
    }
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const r = engine.registry.get(group, version, rest[0]!);
  if (!r || rest.length > 3) throw notFoundPath();
  if (namespace !== undefined && !r.namespaced) throw notFoundPath();
  const sub = rest[2];
  if (sub !== undefined && !(sub === 'status' && r.statusSubresource)) throw notFoundPath();
  return { resource: r, namespace, name: rest[1], subresource: sub };
}

/** The Kubernetes verb of a request (watch is a GET with `watch=true`). */
export function verbOf(method: string, route: Route, q: Record<string, string>): string {
  const collection = route.name === undefined;
  switch (method) {
    case 'GET':
      return boolParam(q.watch) ? 'watch' : collection ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return collection ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}
