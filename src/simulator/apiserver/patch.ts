/**
 * The three patch formats of the Kubernetes PATCH verb:
 * - JSON patch (RFC 6902, `application/json-patch+json`),
 * - JSON merge patch (RFC 7386, `application/merge-patch+json`),
 * - strategic merge patch (`application/strategic-merge-patch+json`), for built-in kinds only:
 *   lists merge by their patch merge key (k8s.io/apimachinery/pkg/util/strategicpatch), with the
 *   `$patch`, `$retainKeys`, `$deleteFromPrimitiveList/…` and `$setElementOrder/…` directives.
 * Each returns a new value and never changes its inputs.
 */
import { isObject, type JsonObject } from './types.js';

export class PatchError extends Error {
  constructor(
    message: string,
    /** 422 for a failed `test` operation or an impossible path, as the apiserver answers. */
    readonly code = 422,
  ) {
    super(message);
  }
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function decodePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new PatchError(`invalid JSON pointer "${p}"`, 400);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

interface Op {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops))
    throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch', 400);
  let root: unknown = structuredClone(doc);
  const parentOf = (path: string[], create = false): [unknown, string] => {
    let cur = root;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i]!;
      if (Array.isArray(cur)) cur = cur[Number(seg)];
      else if (isObject(cur)) {
        if (cur[seg] === undefined && create) cur[seg] = {};
        cur = cur[seg];
      } else cur = undefined;
      if (cur === undefined) throw new PatchError(`doc is missing path: "/${path.join('/')}": missing value`);
    }
    return [cur, path[path.length - 1]!];
  };
  const getAt = (p: string): unknown => {
    const path = decodePointer(p);
    if (path.length === 0) return root;
    const [parent, key] = parentOf(path);
    const v: unknown = Array.isArray(parent)
      ? parent[Number(key)]
      : isObject(parent)
        ? parent[key]
        : undefined;
    if (v === undefined) throw new PatchError(`doc is missing path: "${p}": missing value`);
    return v;
  };
  const remove = (p: string): unknown => {
    const path = decodePointer(p);
    const [parent, key] = parentOf(path);
    if (Array.isArray(parent)) {
      const i = Number(key);
      if (!Number.isInteger(i) || i < 0 || i >= parent.length)
        throw new PatchError(`Unable to remove nonexistent key: ${key}: missing value`);
      return parent.splice(i, 1)[0] as unknown;
    }
    if (!isObject(parent) || !(key in parent))
      throw new PatchError(`Unable to remove nonexistent key: ${key}: missing value`);
    const v = parent[key];
    delete parent[key];
    return v;
  };
  const add = (p: string, value: unknown, replace: boolean) => {
    const path = decodePointer(p);
    if (path.length === 0) {
      root = value;
      return;
    }
    const [parent, key] = parentOf(path);
    if (Array.isArray(parent)) {
      const i = key === '-' ? parent.length : Number(key);
      if (!Number.isInteger(i) || i < 0 || i > parent.length - (replace ? 1 : 0))
        throw new PatchError(`Unable to access invalid index: ${key}: invalid index referenced`);
      if (replace) parent[i] = value;
      else parent.splice(i, 0, value);
    } else if (isObject(parent)) {
      if (replace && !(key in parent)) throw new PatchError(`doc is missing key: ${p}: missing value`);
      parent[key] = value;
    } else throw new PatchError(`doc is missing path: "${p}": missing value`);
  };
  for (const raw of ops as unknown[]) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string')
      throw new PatchError('Unexpected kind: invalid operation', 400);
    const op = raw as unknown as Op;
    switch (op.op) {
      case 'add':
        add(op.path, structuredClone(op.value), false);
        break;
      case 'remove':
        remove(op.path);
        break;
      case 'replace':
        add(op.path, structuredClone(op.value), true);
        break;
      case 'move': {
        const v = remove(op.from ?? '');
        add(op.path, v, false);
        break;
      }
      case 'copy':
        add(op.path, structuredClone(getAt(op.from ?? '')), false);
        break;
      case 'test':
        if (!deepEqual(getAt(op.path), op.value))
          throw new PatchError(`testing value ${op.path} failed: test failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${op.op}`, 400);
    }
  }
  return root;
}

/** How a list field merges under strategic merge patch: by this key, or as a set of primitives. */
export type MergeKeys = Record<string, string>;

/**
 * The patch strategies of the built-in fields the emulator serves, by path with `[]` for list
 * items (from the `patchStrategy`/`patchMergeKey` struct tags of k8s.io/api).
 */
export const BUILTIN_MERGE_KEYS: MergeKeys = {
  'metadata.finalizers': '',
  'metadata.ownerReferences': 'uid',
  'spec.finalizers': '',
};

export function strategicMergePatch(
  target: unknown,
  patch: unknown,
  keys: MergeKeys = BUILTIN_MERGE_KEYS,
  path = '',
): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  const retain = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k === '$patch' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v))
        out[field] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    const p = path ? `${path}.${k}` : k;
    if (v === null) {
      delete out[k];
      continue;
    }
    const mergeKey = keys[p];
    if (Array.isArray(v) && mergeKey !== undefined) {
      out[k] = mergeList(out[k], v as unknown[], mergeKey, keys, p);
      continue;
    }
    out[k] = isObject(v) ? strategicMergePatch(out[k], v, keys, p) : structuredClone(v);
    if (out[k] === undefined) delete out[k];
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function mergeList(
  cur: unknown,
  patch: unknown[],
  mergeKey: string,
  keys: MergeKeys,
  path: string,
): unknown[] {
  const base: unknown[] = Array.isArray(cur) ? [...(cur as unknown[])] : [];
  if (patch.some((x) => isObject(x) && x.$patch === 'replace'))
    return structuredClone(patch.filter((x) => !(isObject(x) && x.$patch === 'replace')));
  if (mergeKey === '') {
    for (const x of patch) if (!base.some((b) => deepEqual(b, x))) base.push(structuredClone(x));
    return base;
  }
  for (const x of patch) {
    if (!isObject(x)) continue;
    const i = base.findIndex((b) => isObject(b) && b[mergeKey] === x[mergeKey]);
    if (x.$patch === 'delete') {
      if (i >= 0) base.splice(i, 1);
    } else if (i >= 0) base[i] = strategicMergePatch(base[i], x, keys, `${path}[]`);
    else base.push(strategicMergePatch({}, x, keys, `${path}[]`));
  }
  return base;
}
