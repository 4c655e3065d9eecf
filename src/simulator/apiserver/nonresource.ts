/**
 * The non-resource paths of the emulator: /version, API discovery (legacy and aggregated) and
 * OpenAPI v2 (JSON or protobuf) and v3, the documents clients read before they touch a resource.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  aggregated,
  AGGREGATED_CONTENT_TYPE,
  apiGroup,
  apiVersions,
  groupList,
  KUBE_VERSION,
  resourceList,
} from './discovery.js';
import { notFoundPath } from './errors.js';
import { send } from './http.js';
import { openApiV2, openApiV2Protobuf, openApiV3Root, OPENAPI_V2_PROTOBUF } from './openapi.js';
import type { Registry } from './registry.js';

/** What discovery needs from its server. */
export interface DiscoveryContext {
  readonly registry: Registry;
  /** host:port clients reach the server at, for the legacy /api answer. */
  address(): string;
  /** The OpenAPI v3 documents by path, built lazily and dropped when resources change. */
  openApiDocs(): Map<string, string>;
}

/** Serves a GET on a non-resource path. */
export function serveNonResource(
  ctx: DiscoveryContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): void {
  const accept = req.headers.accept ?? '';
  const wantsAggregated =
    accept.includes('as=APIGroupDiscoveryList') &&
    accept.includes('v=v2') &&
    accept.includes('g=apidiscovery.k8s.io');
  const reg = ctx.registry;
  if (path === '/version') return send(res, 200, KUBE_VERSION);
  if (path === '/api') {
    if (wantsAggregated) return send(res, 200, aggregated(reg, true), 'json', AGGREGATED_CONTENT_TYPE);
    return send(res, 200, apiVersions(ctx.address()));
  }
  if (path === '/api/v1') return send(res, 200, resourceList(reg, '', 'v1'));
  if (path === '/apis') {
    if (wantsAggregated) return send(res, 200, aggregated(reg, false), 'json', AGGREGATED_CONTENT_TYPE);
    return send(res, 200, groupList(reg));
  }
  let m = /^\/apis\/([^/]+)$/.exec(path);
  if (m) {
    const g = apiGroup(reg, m[1]!);
    if (!g) throw notFoundPath();
    return send(res, 200, g);
  }
  m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) {
    if (!reg.hasGroupVersion(m[1]!, m[2]!)) throw notFoundPath();
    return send(res, 200, resourceList(reg, m[1]!, m[2]!));
  }
  if (path === '/openapi/v2') {
    if (accept.includes('protobuf')) {
      const body = openApiV2Protobuf();
      res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF, 'Content-Length': String(body.length) });
      res.end(body);
      return;
    }
    return send(res, 200, openApiV2());
  }
  if (path === '/openapi/v3') return send(res, 200, openApiV3Root(ctx.openApiDocs()));
  m = /^\/openapi\/v3\/(.+)$/.exec(path);
  if (m) {
    const doc = ctx.openApiDocs().get(m[1]!);
    if (doc === undefined) throw notFoundPath();
    return send(res, 200, doc, 'raw', 'application/json');
  }
  throw notFoundPath();
}
