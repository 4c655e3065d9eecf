/**
 * Field selectors (`?fieldSelector=`), as k8s.io/apimachinery/pkg/fields parses them: `a=b`,
 * `a==b`, `a!=b`, joined by commas. Each resource supports `metadata.name` and
 * `metadata.namespace`; Events add the `involvedObject.*` fields that `kubectl describe` uses.
 */
import { badRequest } from './errors.js';
import type { Resource } from './registry.js';
import { isObject } from './types.js';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

const EVENT_FIELDS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

function supportedFields(r: Resource): string[] {
  const base = ['metadata.name', 'metadata.namespace'];
  if (r.group === '' && r.plural === 'events') return [...base, ...EVENT_FIELDS];
  if (r.group === '' && r.plural === 'secrets') return [...base, 'type'];
  if (r.group === '' && r.plural === 'namespaces') return [...base, 'status.phase'];
  return base;
}

export function parseFieldSelector(input: string, r: Resource): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  const s = input.trim();
  if (s === '') return out;
  const allowed = supportedFields(r);
  for (const part of s.split(',')) {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${input}'; can't understand '${part}'`);
    const field = m[1]!;
    if (!allowed.includes(field)) {
      // The message of the apiserver's field-label conversion function.
      throw badRequest(
        r.builtin
          ? `field label not supported: ${field}`
          : `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    out.push({ field, op: m[2] === '!=' ? '!=' : '=', value: m[3]! });
  }
  return out;
}

function fieldValue(obj: unknown, field: string): string {
  if (field === 'source') {
    const src = isObject(obj) ? obj.source : undefined;
    return isObject(src) && typeof src.component === 'string' ? src.component : '';
  }
  let cur: unknown = obj;
  for (const p of field.split('.')) cur = isObject(cur) ? cur[p] : undefined;
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

export function fieldsMatch(obj: unknown, reqs: readonly FieldRequirement[]): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
