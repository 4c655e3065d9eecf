/**
 * The REST verbs on resources: get, list, watch, create, update, patch, delete and deletecollection
 * over the engine, behind authorization's write guards, answered in the negotiated format; plus
 * the waits and errors for a resourceVersion the server has not reached yet or has forgotten.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../apis/kube.js';
import { isReview, type Auth } from './auth/index.js';
import { PATCH_CONTENT_TYPES } from './engine.js';
import {
  badRequest,
  expired,
  methodNotAllowed,
  tooLargeResourceVersion,
  unsupportedMediaType,
  type ApiError,
} from './errors.js';
import type { FaultState } from './faults.js';
import { negotiate, send, toJson } from './http.js';
import type { Resource } from './registry.js';
import { boolParam, deleteOptions, parseBody, writeOptions } from './request.js';
import type { Route } from './routing.js';
import type { StoreEvent } from './store.js';
import { partialMetadata, table, type IncludeObject } from './table.js';
import type { JsonObject } from './types.js';
import { WatchStream, type WatchHost } from './watch.js';

/** The per-server state the resource verbs read and change. */
export interface ResourceContext extends WatchHost {
  readonly auth: Auth;
  readonly faultState: FaultState;
  readonly bookmarkIntervalMs: number;
  readonly tooOldWatch: 'event' | 'status';
  readonly tooLargeWaitMs: number;
}

/** Serves one request on a resource path, after authentication and fault injection. */
export async function serveResource(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  verb: string,
  q: Record<string, string>,
): Promise<void> {
  const { resource: r, namespace, name, subresource } = route;
  if (isReview(r)) {
    if (verb !== 'create' || subresource) throw methodNotAllowed();
    return send(res, 201, ctx.auth.review(r, namespace, await parseBody(req, r), req));
  }
  const e = ctx.engine;
  const now = ctx.clock.now();
  const out = (code: number, obj: KubeObject, warnings: string[] = []) => {
    const n = negotiate(req.headers.accept, true);
    if (n.format === 'table')
      return send(
        res,
        code,
        table(r, [obj], now, (q.includeObject as IncludeObject) ?? 'Metadata', {
          resourceVersion: obj.metadata.resourceVersion ?? '',
        }),
        'table',
        undefined,
        warnings,
      );
    if (n.format === 'meta') return send(res, code, partialMetadata(obj), 'json', undefined, warnings);
    if (n.format === 'yaml') return send(res, code, obj, 'yaml', undefined, warnings);
    const text = toJson(obj);
    return send(res, code, text, 'raw', 'application/json', warnings);
  };
  switch (verb) {
    case 'get':
      return out(200, e.get(r, namespace, name!));
    case 'list':
      return list(ctx, req, res, r, namespace, q);
    case 'watch':
      return watch(ctx, req, res, r, namespace, name, q);
    case 'create': {
      if (subresource) throw methodNotAllowed();
      const body = await parseBody(req, r);
      ctx.auth.guardWrite(r, namespace, body, req);
      const w = e.create(r, namespace, body, writeOptions(q));
      return out(201, w.object, w.warnings);
    }
    case 'update': {
      const body = await parseBody(req, r);
      ctx.auth.guardWrite(r, namespace, body, req);
      if (subresource === 'finalize') {
        const w = e.update(r, namespace, name!, body, 'finalize', writeOptions(q));
        return out(200, w.object, w.warnings);
      }
      const w = e.update(r, namespace, name!, body, subresource, writeOptions(q));
      return out(200, w.object, w.warnings);
    }
    case 'patch': {
      const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const type = PATCH_CONTENT_TYPES[ct];
      if (!type)
        throw unsupportedMediaType(
          r.builtin
            ? 'application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml'
            : 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
        );
      if (type === 'strategic' && !r.builtin)
        throw unsupportedMediaType(
          'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
        );
      const body = await parseBody(req, r, true);
      if (ctx.auth.guardsWrites(r, req)) {
        // Escalation is judged on the object the patch would produce.
        const dry = e.patch(r, namespace, name!, type, body, subresource, {
          ...writeOptions(q),
          dryRun: true,
        });
        ctx.auth.guardWrite(r, namespace, dry.object, req);
      }
      const w = e.patch(r, namespace, name!, type, body, subresource, writeOptions(q));
      return out(w.created ? 201 : 200, w.object, w.warnings);
    }
    case 'delete': {
      if (subresource) throw methodNotAllowed();
      const d = e.delete(r, namespace, name!, await deleteOptions(req, q));
      // Kinds stored by the generic registry without ReturnDeletedObject answer a Status.
      if (d.deleted && r.builtin && r.kind !== 'Namespace' && r.kind !== 'CustomResourceDefinition')
        return send(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: {
            name: d.object.metadata.name,
            ...(r.group ? { group: r.group } : {}),
            kind: r.plural,
            uid: d.object.metadata.uid,
          },
        });
      return out(200, d.object);
    }
    case 'deletecollection': {
      const opts = await deleteOptions(req, q);
      e.deleteCollection(
        r,
        namespace,
        { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector },
        opts,
      );
      return send(res, 200, {
        kind: r.listKind,
        apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
        metadata: { resourceVersion: String(e.store.resourceVersion) },
        items: [],
      });
    }
    default:
      throw methodNotAllowed();
  }
}

/**
 * Waits until the store's resourceVersion reaches `rv`, for at most `tooLargeWaitMs`, as the
 * watch cache blocks for a version it has not seen yet (pkg/storage/cacher waitUntilFreshAndBlock).
 * True when reached. A version the server never issued (a client of a replaced server) times out.
 */
async function reachVersion(ctx: ResourceContext, rv: number, req: IncomingMessage): Promise<boolean> {
  const deadline = Date.now() + ctx.tooLargeWaitMs;
  while (ctx.engine.store.resourceVersion < rv) {
    if (Date.now() >= deadline || req.destroyed) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

async function list(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  r: Resource,
  namespace: string | undefined,
  q: Record<string, string>,
): Promise<void> {
  const n = negotiate(req.headers.accept, true);
  const limit = q.limit !== undefined ? Number(q.limit) : undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
    throw badRequest(`limit: Invalid value: "${q.limit}"`);
  // A list "not older than" (or exactly at) a version from the future: wait for it, then 504
  // (API concepts, "Semantics for get and list"; the watch cache's fresh-read wait).
  const wanted = q.resourceVersion !== undefined && !q.continue ? Number(q.resourceVersion) : NaN;
  if (Number.isInteger(wanted) && wanted > ctx.engine.store.resourceVersion) {
    if (!(await reachVersion(ctx, wanted, req)))
      throw tooLargeResourceVersion(wanted, ctx.engine.store.resourceVersion);
  }
  const l = ctx.engine.list(r, namespace, {
    labelSelector: q.labelSelector,
    fieldSelector: q.fieldSelector,
    limit,
    continue: q.continue,
    resourceVersion: q.resourceVersion,
    resourceVersionMatch: q.resourceVersionMatch,
  });
  const meta: JsonObject = { resourceVersion: l.resourceVersion };
  if (l.continue) meta.continue = l.continue;
  if (l.remainingItemCount !== undefined) meta.remainingItemCount = l.remainingItemCount;
  if (n.format === 'table')
    return send(
      res,
      200,
      table(r, l.items, ctx.clock.now(), (q.includeObject as IncludeObject) ?? 'Metadata', meta),
      'table',
    );
  if (n.format === 'meta')
    return send(res, 200, {
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata: meta,
      items: l.items.map(partialMetadata),
    });
  const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
  if (n.format === 'yaml')
    return send(res, 200, { apiVersion, kind: r.listKind, metadata: meta, items: l.items }, 'yaml');
  const text = `{"apiVersion":${JSON.stringify(apiVersion)},"kind":${JSON.stringify(r.listKind)},"metadata":${JSON.stringify(meta)},"items":[${l.items.map(toJson).join(',')}]}`;
  send(res, 200, text, 'raw', 'application/json');
}

async function watch(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  r: Resource,
  namespace: string | undefined,
  name: string | undefined,
  q: Record<string, string>,
): Promise<void> {
  const n = negotiate(req.headers.accept, true);
  let fieldSelector = q.fieldSelector ?? '';
  if (name !== undefined)
    fieldSelector = fieldSelector ? `${fieldSelector},metadata.name=${name}` : `metadata.name=${name}`;
  const filter = ctx.engine.compileFilter(r, namespace, q.labelSelector, fieldSelector);
  const storage = ctx.engine.storageOf(r);
  const rvParam = q.resourceVersion ?? '';
  const sendInitial = boolParam(q.sendInitialEvents);
  let since: StoreEvent[] | undefined = [];
  const goneMode = ctx.faultState.takeGone(r.plural);
  let tooLarge: ApiError | undefined;
  if (rvParam !== '' && rvParam !== '0' && !sendInitial) {
    const rv = Number(rvParam);
    if (!Number.isInteger(rv) || rv < 0)
      throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a non-negative integer`);
    // A version this server has not issued: wait for it, then answer as kube-apiserver's watch
    // cache does: HTTP 200, one ERROR event with the 504 Status, EOF (cacher.go newErrWatcher).
    if (rv > ctx.engine.store.resourceVersion && !(await reachVersion(ctx, rv, req)))
      tooLarge = tooLargeResourceVersion(rv, ctx.engine.store.resourceVersion);
    else since = storage.eventsSince(rv);
  }
  const tooOld = since === undefined || goneMode !== undefined;
  const mode = goneMode ?? ctx.tooOldWatch;
  const tooOldError = expired(`too old resource version: ${rvParam} (${storage.evictedRv + 1})`);
  if (tooOld && mode === 'status') throw tooOldError;
  const timeoutParam = q.timeoutSeconds !== undefined ? Number(q.timeoutSeconds) : undefined;
  // Without timeoutSeconds the apiserver picks a random duration in [minRequestTimeout, 2×) (30–60 min).
  const timeoutSeconds =
    timeoutParam !== undefined && timeoutParam > 0 ? timeoutParam : 1800 + Math.floor(Math.random() * 1800);
  res.writeHead(200, {
    'Content-Type':
      n.format === 'table' ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  const w = new WatchStream(
    r,
    storage,
    filter,
    n.format,
    (q.includeObject as IncludeObject) ?? 'Metadata',
    res,
    ctx,
    {
      bookmarks: boolParam(q.allowWatchBookmarks),
      bookmarkIntervalMs: ctx.bookmarkIntervalMs,
      timeoutSeconds,
    },
  );
  ctx.watches.add(w);
  if (ctx.faultState.silenced(r.plural)) w.silent = true;
  if (tooLarge) {
    w.error(tooLarge);
    w.end();
    return;
  }
  if (tooOld) {
    w.error(tooOldError);
    w.end();
    return;
  }
  if (rvParam === '' || rvParam === '0' || sendInitial) {
    // "Get State and Start at Most Recent": synthetic ADDED for what exists now.
    const { items } = ctx.engine.list(r, namespace, { labelSelector: q.labelSelector, fieldSelector });
    for (const o of items) w.sendInitial(o);
    if (sendInitial && boolParam(q.allowWatchBookmarks)) w.bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    for (const ev of since!) w.onEvent(ev);
  }
  w.start();
}
