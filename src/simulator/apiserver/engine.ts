/**
 * The object semantics of the API server, free of HTTP: create, update, patch, delete, list and
 * get over the store, with the rules of the generic registry (k8s.io/apiserver/pkg/registry/generic)
 * and the apiextensions apiserver. Every failure is an {@link ApiError} carrying a `Status`.
 *
 * Why this file is over 400 lines: reads, writes and the deletion cascade (namespaces, CRDs,
 * owner references, finalizers) share one store and one resourceVersion counter, and each write
 * must see the cascade's effects of the one before; splitting the class would spread that state
 * over several objects. What does not need it lives apart: admission (admission.ts), patches,
 * schemas, selectors, storage.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject, ObjectMeta } from '../../apis/kube.js';
import { keyOf, objectKey } from '../../apis/kube.js';
import { InvalidSelectorError, parseLabelSelector, type Selector } from '../../apis/selector.js';
import { isoNow, type Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  expired,
  forbidden,
  invalid,
  notFound,
  STALE_OBJECT,
  unprocessable,
  unsupportedMediaType,
  type Cause,
  type ResourceRef,
} from './errors.js';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch.js';
import { CRD_RESOURCE, NAMESPACE_RESOURCE, Registry, resourcesOfCrd, type Resource } from './registry.js';
import { admit, validateMeta } from './admission.js';
import { fieldsMatch, parseFieldSelector, type FieldRequirement } from './selectors.js';
import { compareKeys, Store, type ResourceStorage } from './store.js';
import { isObject, type CustomResourceDefinition, type JsonObject } from './types.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export interface WriteOptions {
  dryRun?: boolean;
  /** `Strict` rejects unknown fields (400), `Warn` (the default) reports them, `Ignore` drops them. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  fieldManager?: string;
  force?: boolean;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  /** True when the write created the object (201), false for updates (200). */
  created: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteResult {
  /** The object as deleted, or as marked for deletion when finalizers hold it. */
  object: KubeObject;
  /** True when the object is gone; false when it waits on finalizers. */
  deleted: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** A compiled filter for list and watch. */
export interface Filter {
  namespace: string | undefined;
  labels: Selector;
  fields: FieldRequirement[];
}

export function refOf(r: Resource): ResourceRef {
  return { group: r.group, resource: r.plural, kind: r.kind };
}

function apiVersionOf(r: Resource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function without(o: JsonObject, ...keys: string[]): JsonObject {
  const out = { ...o };
  for (const k of keys) delete out[k];
  return out;
}

const RANDOM_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += RANDOM_ALPHABET[Math.floor(Math.random() * RANDOM_ALPHABET.length)]!;
  return s;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (isObject(v) && typeof v.rv === 'number' && typeof v.start === 'string')
      return { rv: v.rv, start: v.start };
  } catch {
    // fall through
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

export const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export interface EngineOptions {
  historySize: number;
  clock: Clock;
  logger?: Logger | undefined;
}

export class Engine {
  readonly registry = new Registry();
  readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  private stopped = false;
  private readonly pendingCleanup = new Set<string>();
  /** Owner uid → `storageKey\0key` of objects that name it in ownerReferences (for cascading deletion). */
  private readonly dependents = new Map<string, Set<string>>();
  /** Called after the set of served resources changed (a CRD was established or removed). */
  onResourcesChanged: () => void = () => {};
  /**
   * Extra validation (and defaulting) of built-in kinds served by other modules, by storage key:
   * gets the object as it would be stored and, on updates, the stored one.
   */
  readonly validators = new Map<string, (obj: JsonObject, old: JsonObject | undefined) => Cause[]>();

  constructor(opts: EngineOptions) {
    this.store = new Store(opts.historySize);
    this.clock = opts.clock;
    this.log = opts.logger;
  }

  stop(): void {
    this.stopped = true;
  }

  storageOf(r: Resource): ResourceStorage {
    return this.store.storage(r.storageKey);
  }

  // ---- reads -------------------------------------------------------------------------------

  get(r: Resource, namespace: string | undefined, name: string): KubeObject {
    const obj = this.storageOf(r).items.get(objectKey(r.namespaced ? namespace : undefined, name));
    if (!obj) throw notFound(refOf(r), name);
    return obj;
  }

  compileFilter(
    r: Resource,
    namespace: string | undefined,
    labelSelector?: string,
    fieldSelector?: string,
  ): Filter {
    let labels: Selector;
    try {
      labels = parseLabelSelector(labelSelector ?? '');
    } catch (e) {
      if (e instanceof InvalidSelectorError)
        throw badRequest(
          `unable to parse requirement: ${e.message.replace(/^unable to parse requirement: /, '')}`,
        );
      throw e;
    }
    return {
      namespace: r.namespaced ? namespace : undefined,
      labels,
      fields: parseFieldSelector(fieldSelector ?? '', r),
    };
  }

  static matches(f: Filter, obj: KubeObject): boolean {
    if (f.namespace !== undefined && obj.metadata.namespace !== f.namespace) return false;
    if (!f.labels.empty && !f.labels.matches(obj.metadata.labels)) return false;
    if (f.fields.length > 0 && !fieldsMatch(obj, f.fields)) return false;
    return true;
  }

  list(r: Resource, namespace: string | undefined, opts: ListOptions): ListResult {
    const filter = this.compileFilter(r, namespace, opts.labelSelector, opts.fieldSelector);
    const storage = this.storageOf(r);
    let rv = this.store.resourceVersion;
    let start = '';
    let items: Map<string, KubeObject> = storage.items;
    let keys: string[];
    if (opts.continue) {
      const tok = decodeContinue(opts.continue);
      const snap = storage.snapshotAt(tok.rv);
      if (!snap) throw expired(EXPIRED_CONTINUE);
      rv = tok.rv;
      start = tok.start;
      items = snap;
      keys = snap === storage.items ? storage.keys() : [...snap.keys()].sort(compareKeys);
    } else if (opts.resourceVersion && opts.resourceVersionMatch === 'Exact') {
      const want = Number(opts.resourceVersion);
      const snap = Number.isInteger(want) ? storage.snapshotAt(want) : undefined;
      if (!snap)
        throw expired(`too old resource version: ${opts.resourceVersion} (${this.store.resourceVersion})`);
      rv = want;
      items = snap;
      keys = snap === storage.items ? storage.keys() : [...snap.keys()].sort(compareKeys);
    } else {
      keys = storage.keys();
    }
    // Within one namespace the keys form a contiguous range: start there.
    let i = 0;
    const prefix = filter.namespace !== undefined ? `${filter.namespace}/` : '';
    const from = start > prefix ? start : prefix;
    if (from) {
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (keys[mid]! < from || (start !== '' && keys[mid] === start)) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const out: KubeObject[] = [];
    const filtered = !filter.labels.empty || filter.fields.length > 0;
    let last = '';
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      if (prefix && !key.startsWith(prefix)) break;
      const obj = items.get(key);
      if (!obj || !Engine.matches(filter, obj)) continue;
      if (out.length >= limit) {
        const result: ListResult = {
          items: out,
          resourceVersion: String(rv),
          continue: encodeContinue({ rv, start: last }),
        };
        if (!filtered) {
          // Keys are sorted, so the namespace's range ends where the next namespace begins.
          let end = keys.length;
          if (prefix) {
            let lo = i;
            let hi = keys.length;
            while (lo < hi) {
              const mid = (lo + hi) >> 1;
              if (keys[mid]!.startsWith(prefix)) lo = mid + 1;
              else hi = mid;
            }
            end = lo;
          }
          result.remainingItemCount = end - i;
        }
        return result;
      }
      out.push(obj);
      last = key;
    }
    return { items: out, resourceVersion: String(rv) };
  }

  // ---- writes ------------------------------------------------------------------------------

  private now(): string {
    return isoNow(this.clock);
  }

  private checkNamespace(r: Resource, namespace: string | undefined, name: string): void {
    if (!r.namespaced) return;
    if (!namespace) throw badRequest('the server could not find the requested resource');
    const ns = this.storageOf(NAMESPACE_RESOURCE).items.get(namespace);
    if (!ns) throw notFound(refOf(NAMESPACE_RESOURCE), namespace);
    if (ns.metadata.deletionTimestamp)
      throw forbidden(
        refOf(r),
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
  }

  /** Parses the body's identity and checks it against the URL (apiserver's `checkName` and GVK checks). */
  private checkBody(r: Resource, body: unknown, namespace: string | undefined, name?: string): JsonObject {
    if (!isObject(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
    const av = body.apiVersion;
    const kind = body.kind;
    if (kind !== undefined && kind !== r.kind)
      throw badRequest(
        `${typeof kind === 'string' ? kind : JSON.stringify(kind)} in version "${r.version}" cannot be handled as a ${r.kind}: the object provided is unrecognized (must be of type ${r.kind})`,
      );
    if (av !== undefined && av !== apiVersionOf(r))
      throw badRequest(
        `the API version in the data (${typeof av === 'string' ? av : JSON.stringify(av)}) does not match the expected API version (${apiVersionOf(r)})`,
      );
    const meta = body.metadata;
    if (meta !== undefined && !isObject(meta))
      throw badRequest(
        `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: metadata must be an object`,
      );
    const m = (meta ?? {}) as ObjectMeta;
    if (r.namespaced && m.namespace && namespace && m.namespace !== namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    if (name !== undefined && m.name && m.name !== name)
      throw badRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`);
    return body;
  }

  /** Go's `omitempty` on ObjectMeta: empty maps and lists are not stored or served. */
  private static compactMeta(m: ObjectMeta): void {
    const rec = m as Record<string, unknown>;
    for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields']) {
      const v = rec[k];
      if (v === null || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0))
        delete rec[k];
    }
  }

  /** Server-owned metadata a client may not set on create, and the identity of the new object. */
  private stamp(r: Resource, obj: JsonObject, namespace: string | undefined, rv: number): KubeObject {
    const m = obj.metadata as ObjectMeta;
    m.uid = randomUUID();
    m.creationTimestamp = this.now();
    m.resourceVersion = String(rv);
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    if (r.hasGeneration) m.generation = 1;
    else delete m.generation;
    if (r.namespaced) m.namespace = namespace;
    else delete m.namespace;
    return obj as unknown as KubeObject;
  }

  create(
    r: Resource,
    namespace: string | undefined,
    body: unknown,
    opts: WriteOptions = {},
    keepStatus = false,
  ): WriteResult {
    const obj = structuredClone(this.checkBody(r, body, namespace));
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    const m = (obj.metadata = isObject(obj.metadata) ? obj.metadata : {}) as ObjectMeta;
    if (!m.name && m.generateName) m.name = `${m.generateName}${randomSuffix()}`;
    if (r.namespaced) m.namespace = namespace;
    // A status subresource makes create ignore status (apiextensions customResourceStrategy.PrepareForCreate).
    if (r.statusSubresource && !r.builtin && !keepStatus) delete obj.status;
    if (r === NAMESPACE_RESOURCE) obj.status = { phase: 'Active' };
    const name = m.name ?? '';
    Engine.compactMeta(m);
    const { causes, warnings } = admit(r, obj, opts);
    causes.unshift(...validateMeta(r, m));
    causes.push(...(this.validators.get(r.storageKey)?.(obj, undefined) ?? []));
    if (causes.length > 0) throw invalid(refOf(r), name, causes);
    this.checkNamespace(r, namespace, name);
    const storage = this.storageOf(r);
    const key = objectKey(r.namespaced ? namespace : undefined, name);
    if (storage.items.has(key)) throw alreadyExists(refOf(r), name);
    if (r === CRD_RESOURCE) this.checkCrdConflicts(obj as unknown as CustomResourceDefinition);
    if (opts.dryRun)
      return { object: this.stamp(r, obj, namespace, this.store.resourceVersion), warnings, created: true };
    const rv = this.store.nextResourceVersion();
    const stored = this.stamp(r, obj, namespace, rv);
    if (r === CRD_RESOURCE) this.establish(stored as CustomResourceDefinition);
    this.store.put(storage, 'ADDED', stored, undefined, rv);
    this.indexOwners(r, stored, undefined);
    if (r === CRD_RESOURCE) this.onResourcesChanged();
    return { object: stored, warnings, created: true };
  }

  private checkCrdConflicts(crd: CustomResourceDefinition): void {
    for (const v of crd.spec.versions) {
      const existing = this.registry.get(crd.spec.group, v.name, crd.spec.names.plural);
      if (existing && existing.crdName !== crd.metadata.name)
        throw invalid(refOf(CRD_RESOURCE), crd.metadata.name ?? '', [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: "": the resource is already served',
            field: 'spec.names.plural',
          },
        ]);
    }
  }

  /** Serves the CRD's kind, and records that in its status as the apiextensions controllers would. */
  private establish(crd: CustomResourceDefinition): void {
    if (crd.metadata.deletionTimestamp) return;
    const now = this.now();
    const status = (crd.status = isObject(crd.status) ? crd.status : {});
    status.acceptedNames = {
      ...crd.spec.names,
      listKind: crd.spec.names.listKind ?? `${crd.spec.names.kind}List`,
      singular: crd.spec.names.singular ?? crd.spec.names.kind.toLowerCase(),
    };
    status.conditions = [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: now,
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: now,
      },
    ];
    status.storedVersions = crd.spec.versions.filter((v) => v.storage).map((v) => v.name);
    this.registry.removeCrd(crd.metadata.name ?? '');
    for (const r of resourcesOfCrd(crd)) this.registry.add(r);
  }

  update(
    r: Resource,
    namespace: string | undefined,
    name: string,
    body: unknown,
    subresource: string | undefined,
    opts: WriteOptions = {},
  ): WriteResult {
    const obj = structuredClone(this.checkBody(r, body, namespace, name));
    const old = this.get(r, namespace, name);
    const m = (obj.metadata = isObject(obj.metadata) ? obj.metadata : {}) as ObjectMeta;
    if (m.resourceVersion !== undefined && m.resourceVersion !== '') {
      if (m.resourceVersion !== old.metadata.resourceVersion) throw conflict(refOf(r), name, STALE_OBJECT);
    } else if (!r.builtin) {
      // Custom resources refuse unconditional updates (customResourceStrategy.AllowUnconditionalUpdate).
      throw invalid(refOf(r), name, [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 0: must be specified for an update',
          field: 'metadata.resourceVersion',
        },
      ]);
    }
    return this.commitUpdate(r, old, obj, subresource, opts);
  }

  patch(
    r: Resource,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patchBody: unknown,
    subresource: string | undefined,
    opts: WriteOptions = {},
  ): WriteResult {
    if (type === 'strategic' && !r.builtin)
      throw unsupportedMediaType(
        'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    const storage = this.storageOf(r);
    const old = storage.items.get(objectKey(r.namespaced ? namespace : undefined, name));
    if (type === 'apply') {
      if (!opts.fieldManager) throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager');
      const body = this.checkBody(r, patchBody, namespace, name);
      if (!old) {
        if (subresource) throw notFound(refOf(r), name);
        const m = (body.metadata = isObject(body.metadata) ? { ...body.metadata } : {}) as ObjectMeta;
        m.name = name;
        return this.create(r, namespace, body, opts);
      }
      // A simplified server-side apply: the applied configuration is merged over the live object.
      return this.commitUpdate(r, old, mergePatch(old, body) as JsonObject, subresource, opts);
    }
    if (!old) throw notFound(refOf(r), name);
    let patched: unknown;
    try {
      if (type === 'json') patched = jsonPatch(old, patchBody);
      else if (!isObject(patchBody))
        throw badRequest('json: cannot unmarshal into Go value of type map[string]interface {}');
      else if (type === 'merge') patched = mergePatch(old, patchBody);
      else patched = strategicMergePatch(old, patchBody);
    } catch (e) {
      if (e instanceof PatchError) {
        if (e.code === 400) throw badRequest(e.message);
        throw unprocessable(e.message);
      }
      throw e;
    }
    const obj = structuredClone(this.checkBody(r, patched, namespace, name));
    const m = (obj.metadata = isObject(obj.metadata) ? obj.metadata : {}) as ObjectMeta;
    if (m.resourceVersion !== undefined && m.resourceVersion !== old.metadata.resourceVersion)
      throw conflict(refOf(r), name, STALE_OBJECT);
    return this.commitUpdate(r, old, obj, subresource, opts);
  }

  /** The shared tail of update and patch: subresource separation, admission, generation, finalizers. */
  private commitUpdate(
    r: Resource,
    old: KubeObject,
    incoming: JsonObject,
    subresource: string | undefined,
    opts: WriteOptions,
  ): WriteResult {
    const oldJ = old as unknown as JsonObject;
    let obj: JsonObject;
    if (subresource === 'status') {
      // The status endpoint changes status only (apiextensions statusStrategy.PrepareForUpdate).
      obj = structuredClone(oldJ);
      if (incoming.status === undefined) delete obj.status;
      else obj.status = incoming.status;
    } else {
      obj = incoming;
      if (r.statusSubresource) {
        if (oldJ.status === undefined) delete obj.status;
        else obj.status = oldJ.status;
      }
    }
    obj.apiVersion = apiVersionOf(r);
    obj.kind = r.kind;
    const om = old.metadata;
    const m = (obj.metadata = isObject(obj.metadata) ? { ...obj.metadata } : {}) as ObjectMeta;
    // Fields the server owns keep their stored values.
    m.name = om.name;
    if (r.namespaced) m.namespace = om.namespace;
    m.uid = om.uid;
    m.creationTimestamp = om.creationTimestamp;
    if (om.deletionTimestamp) {
      m.deletionTimestamp = om.deletionTimestamp;
      m.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    } else {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    if (om.generation !== undefined) m.generation = om.generation;
    else delete m.generation;
    delete m.generateName;
    if (om.generateName) m.generateName = om.generateName;
    if (r === NAMESPACE_RESOURCE && subresource !== 'status' && subresource !== 'finalize')
      obj.status = oldJ.status;
    if (r === NAMESPACE_RESOURCE && subresource !== 'finalize') obj.spec = oldJ.spec;
    Engine.compactMeta(m);
    const { causes, warnings } = admit(r, obj, opts);
    causes.unshift(...validateMeta(r, m));
    causes.push(...(this.validators.get(r.storageKey)?.(obj, oldJ) ?? []));
    if (om.deletionTimestamp) {
      const before = new Set(om.finalizers ?? []);
      if ((m.finalizers ?? []).some((f) => !before.has(f)))
        causes.push({
          reason: 'FieldValueForbidden',
          message: 'Forbidden: no new finalizers can be added if the object is being deleted',
          field: 'metadata.finalizers',
        });
    }
    if (causes.length > 0) throw invalid(refOf(r), m.name ?? '', causes);
    // Generation tracks the desired state: everything but metadata, and status when it has its
    // own endpoint (apiextensions customResourceStrategy.PrepareForUpdate; CRD strategy: spec).
    if (r.hasGeneration) {
      const ignore = r === CRD_RESOURCE || r.statusSubresource ? ['metadata', 'status'] : ['metadata'];
      if (!deepEqual(without(obj, ...ignore), without(oldJ, ...ignore)))
        m.generation = (om.generation ?? 0) + 1;
    }
    m.resourceVersion = om.resourceVersion;
    const storage = this.storageOf(r);
    if (deepEqual(obj, oldJ)) return { object: old, warnings, created: false };
    if (opts.dryRun) return { object: obj as unknown as KubeObject, warnings, created: false };
    const rv = this.store.nextResourceVersion();
    m.resourceVersion = String(rv);
    const stored = obj as unknown as KubeObject;
    if (r === CRD_RESOURCE) this.establish(stored as CustomResourceDefinition);
    if (om.deletionTimestamp && (m.finalizers ?? []).length === 0 && !this.holdsForCleanup(r, stored)) {
      // Removing the last finalizer of an object being deleted deletes it.
      this.store.remove(storage, stored, old, rv);
      this.indexOwners(r, undefined, old);
      this.afterRemoval(r, stored);
      return { object: stored, warnings, created: false };
    }
    this.store.put(storage, 'MODIFIED', stored, old, rv);
    this.indexOwners(r, stored, old);
    if (r === CRD_RESOURCE) this.onResourcesChanged();
    return { object: stored, warnings, created: false };
  }

  /** Namespaces and CRDs wait for their contents to go before they go themselves. */
  private holdsForCleanup(r: Resource, obj: KubeObject): boolean {
    return r === NAMESPACE_RESOURCE || r === CRD_RESOURCE ? this.hasContents(r, obj) : false;
  }

  delete(r: Resource, namespace: string | undefined, name: string, opts: DeleteOptions = {}): DeleteResult {
    const storage = this.storageOf(r);
    const old = this.get(r, namespace, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid)
      throw conflict(
        refOf(r),
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
      throw conflict(
        refOf(r),
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    if (opts.dryRun) return { object: old, deleted: true };
    const finalizers = [...(old.metadata.finalizers ?? [])];
    if (opts.propagationPolicy === 'Orphan') this.orphanDependents(old);
    const holds =
      finalizers.length > 0 || r === NAMESPACE_RESOURCE || (r === CRD_RESOURCE && this.hasContents(r, old));
    if (holds) {
      if (old.metadata.deletionTimestamp) return { object: old, deleted: false };
      const rv = this.store.nextResourceVersion();
      const obj = structuredClone(old) as KubeObject & JsonObject;
      obj.metadata.deletionTimestamp = this.now();
      obj.metadata.deletionGracePeriodSeconds = 0;
      obj.metadata.resourceVersion = String(rv);
      if (r.hasGeneration) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
      if (r === NAMESPACE_RESOURCE)
        obj.status = { ...(isObject(obj.status) ? obj.status : {}), phase: 'Terminating' };
      this.store.put(storage, 'MODIFIED', obj, old, rv);
      if (r === NAMESPACE_RESOURCE || r === CRD_RESOURCE) this.scheduleCleanup(r, obj);
      if (opts.propagationPolicy !== 'Orphan') this.scheduleCascade(obj);
      return { object: obj, deleted: false };
    }
    const rv = this.store.nextResourceVersion();
    const gone = { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } };
    this.store.remove(storage, gone, old, rv);
    this.indexOwners(r, undefined, old);
    this.afterRemoval(r, gone);
    if (opts.propagationPolicy !== 'Orphan') this.scheduleCascade(gone);
    return { object: gone, deleted: true };
  }

  deleteCollection(
    r: Resource,
    namespace: string | undefined,
    list: ListOptions,
    opts: DeleteOptions,
  ): KubeObject[] {
    const { items } = this.list(r, namespace, {
      labelSelector: list.labelSelector,
      fieldSelector: list.fieldSelector,
    });
    const out: KubeObject[] = [];
    for (const o of [...items]) {
      try {
        out.push(
          this.delete(r, o.metadata.namespace, o.metadata.name ?? '', { ...opts, preconditions: undefined })
            .object,
        );
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return out;
  }

  // ---- cascading: namespaces, CRDs, owner references ----------------------------------------

  private indexOwners(r: Resource, now: KubeObject | undefined, before: KubeObject | undefined): void {
    const ref = (o: KubeObject) => `${r.storageKey}\0${keyOf(o)}`;
    for (const o of before?.metadata.ownerReferences ?? []) this.dependents.get(o.uid)?.delete(ref(before!));
    for (const o of now?.metadata.ownerReferences ?? []) {
      let s = this.dependents.get(o.uid);
      if (!s) this.dependents.set(o.uid, (s = new Set()));
      s.add(ref(now!));
    }
  }

  private dependentsOf(owner: KubeObject): { r: Resource; obj: KubeObject }[] {
    const refs = this.dependents.get(owner.metadata.uid ?? '');
    if (!refs) return [];
    const byStorage = new Map(this.registry.all().map((r) => [r.storageKey, r]));
    const out: { r: Resource; obj: KubeObject }[] = [];
    for (const ref of refs) {
      const [sk, key] = ref.split('\0') as [string, string];
      const r = byStorage.get(sk);
      const obj = r && this.storageOf(r).items.get(key);
      if (r && obj) out.push({ r, obj });
    }
    return out;
  }

  /** The garbage collector's background/foreground cascade, run soon after the owner goes. */
  private scheduleCascade(owner: KubeObject): void {
    if (!this.dependents.has(owner.metadata.uid ?? '')) return;
    setImmediate(() => {
      if (this.stopped) return;
      for (const { r, obj } of this.dependentsOf(owner)) {
        try {
          this.delete(r, obj.metadata.namespace, obj.metadata.name ?? '', {
            propagationPolicy: 'Background',
          });
        } catch (e) {
          this.log?.debug({ err: e }, 'cascading delete failed');
        }
      }
    });
  }

  private orphanDependents(owner: KubeObject): void {
    for (const { r, obj } of this.dependentsOf(owner)) {
      const refs = (obj.metadata.ownerReferences ?? []).filter((o) => o.uid !== owner.metadata.uid);
      this.patch(
        r,
        obj.metadata.namespace,
        obj.metadata.name ?? '',
        'merge',
        { metadata: { ownerReferences: refs.length ? refs : null } },
        undefined,
      );
    }
  }

  private contentResources(r: Resource, obj: KubeObject): Resource[] {
    if (r === NAMESPACE_RESOURCE) {
      const seen = new Set<string>();
      return this.registry
        .all()
        .filter((x) => x.namespaced && !seen.has(x.storageKey) && seen.add(x.storageKey));
    }
    const crd = obj as CustomResourceDefinition;
    const first = this.registry.all().find((x) => x.crdName === crd.metadata.name);
    return first ? [first] : [];
  }

  private hasContents(r: Resource, obj: KubeObject): boolean {
    for (const cr of this.contentResources(r, obj)) {
      const items = this.storageOf(cr).items;
      if (r === CRD_RESOURCE) {
        if (items.size > 0) return true;
      } else {
        const prefix = `${obj.metadata.name}/`;
        for (const k of this.storageOf(cr).keys()) if (k.startsWith(prefix)) return true;
      }
    }
    return false;
  }

  /**
   * The namespace lifecycle controller (and the CRD finalizer `customresourcecleanup`): delete
   * everything inside, then remove the namespace or CRD once nothing is left.
   */
  private scheduleCleanup(r: Resource, obj: KubeObject): void {
    const key = `${r.storageKey}\0${keyOf(obj)}`;
    if (this.pendingCleanup.has(key)) return;
    this.pendingCleanup.add(key);
    setImmediate(() => {
      this.pendingCleanup.delete(key);
      if (this.stopped) return;
      const cur = this.storageOf(r).items.get(keyOf(obj));
      if (!cur?.metadata.deletionTimestamp) return;
      for (const cr of this.contentResources(r, cur)) {
        const { items } = this.list(cr, r === NAMESPACE_RESOURCE ? cur.metadata.name : undefined, {});
        for (const item of items) {
          if (item.metadata.deletionTimestamp) continue;
          try {
            this.delete(cr, item.metadata.namespace, item.metadata.name ?? '', {
              propagationPolicy: 'Background',
            });
          } catch (e) {
            this.log?.debug({ err: e }, 'cleanup delete failed');
          }
        }
      }
      this.finishCleanup(r, cur);
    });
  }

  private finishCleanup(r: Resource, obj: KubeObject): void {
    const storage = this.storageOf(r);
    const cur = storage.items.get(keyOf(obj));
    if (!cur?.metadata.deletionTimestamp || this.hasContents(r, cur)) return;
    if (r === NAMESPACE_RESOURCE) {
      const spec = (cur as unknown as JsonObject).spec;
      if (isObject(spec) && Array.isArray(spec.finalizers) && spec.finalizers.length > 0) {
        // The namespace controller's `kubernetes` finalizer goes first (the finalize subresource).
        const rv0 = this.store.nextResourceVersion();
        const next = structuredClone(cur) as KubeObject & JsonObject;
        next.spec = { ...spec, finalizers: [] };
        next.metadata.resourceVersion = String(rv0);
        storage.items.set(keyOf(next), next);
        this.store.put(storage, 'MODIFIED', next, cur, rv0);
        if ((next.metadata.finalizers ?? []).length > 0) return;
        return this.removeNow(r, next);
      }
    }
    if ((cur.metadata.finalizers ?? []).length > 0) return;
    this.removeNow(r, cur);
  }

  private removeNow(r: Resource, cur: KubeObject): void {
    const rv = this.store.nextResourceVersion();
    const gone = { ...cur, metadata: { ...cur.metadata, resourceVersion: String(rv) } };
    this.store.remove(this.storageOf(r), gone, cur, rv);
    this.indexOwners(r, undefined, cur);
    this.afterRemoval(r, gone);
  }

  /** After any removal: a terminating namespace or CRD may now be empty; a removed CRD stops serving. */
  private afterRemoval(r: Resource, obj: KubeObject): void {
    if (r === CRD_RESOURCE) {
      const removed = this.registry.removeCrd(obj.metadata.name ?? '');
      for (const x of removed)
        if (!this.registry.all().some((y) => y.storageKey === x.storageKey))
          this.store.dropStorage(x.storageKey);
      this.onResourcesChanged();
      return;
    }
    if (r.namespaced && obj.metadata.namespace) {
      const ns = this.storageOf(NAMESPACE_RESOURCE).items.get(obj.metadata.namespace);
      if (ns?.metadata.deletionTimestamp) this.scheduleFinish(NAMESPACE_RESOURCE, ns);
    }
    if (r.crdName) {
      const crd = this.storageOf(CRD_RESOURCE).items.get(r.crdName);
      if (crd?.metadata.deletionTimestamp) this.scheduleFinish(CRD_RESOURCE, crd);
    }
  }

  private scheduleFinish(r: Resource, obj: KubeObject): void {
    const key = `finish\0${r.storageKey}\0${keyOf(obj)}`;
    if (this.pendingCleanup.has(key)) return;
    this.pendingCleanup.add(key);
    setImmediate(() => {
      this.pendingCleanup.delete(key);
      if (!this.stopped) this.finishCleanup(r, obj);
    });
  }

  /** In-process bulk insert (scale scenarios): the create path, keeping any status given. */
  seed(objects: KubeObject[]): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of objects) {
      const r = this.registry.byKind(o.apiVersion ?? '', o.kind ?? '');
      if (!r) throw badRequest(`no matches for kind "${o.kind}" in version "${o.apiVersion}"`);
      out.push(this.create(r, o.metadata.namespace, o, {}, true).object);
    }
    return out;
  }
}
