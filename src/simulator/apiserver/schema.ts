/**
 * Structural-schema handling for custom resources, in the order the apiextensions apiserver
 * applies it to a request body: drop `null` where the schema is not `nullable`, default, prune
 * unknown fields (remembering them for `fieldValidation`), then validate and report field causes.
 * See https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/
 * ("Specifying a structural schema", "Field pruning", "Defaulting", "Validation").
 */
import type { Cause } from './errors.js';
import { isObject, type JSONSchemaProps, type JsonObject } from './types.js';

export interface SchemaResult {
  causes: Cause[];
  /** Paths of fields the schema does not know, pruned from the object (`spec.foo`). */
  unknownFields: string[];
}

/** Go's `%v`-ish rendering of a value in validation messages. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, s: JSONSchemaProps): boolean {
  if (s['x-kubernetes-int-or-string'])
    return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  switch (s.type) {
    case undefined:
      return true;
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Where the object metadata fields live: only name and generateName may carry schema constraints. */
const ROOT_KEEP = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Defaults, prunes and validates `obj` in place against the version's `openAPIV3Schema`.
 * `obj` must be a private copy: it is changed.
 */
export function applySchema(obj: JsonObject, schema: JSONSchemaProps | undefined): SchemaResult {
  const result: SchemaResult = { causes: [], unknownFields: [] };
  if (!schema) return result;
  walkObjectProps(obj, schema, '', result, true);
  return result;
}

function walkObjectProps(
  obj: JsonObject,
  s: JSONSchemaProps,
  path: string,
  r: SchemaResult,
  root: boolean,
): void {
  const props = s.properties;
  const extra = s.additionalProperties;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = root || s['x-kubernetes-embedded-resource'] === true;
  // Defaulting: a missing property with a `default` gets it (apiextensions defaulting, 1.16+).
  if (props)
    for (const [k, ps] of Object.entries(props)) {
      if (obj[k] === undefined && ps.default !== undefined) obj[k] = structuredClone(ps.default);
    }
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    const p = join(path, k);
    if (embedded && ROOT_KEEP.has(k)) {
      if (k === 'metadata' && !isObject(v) && v !== undefined) r.causes.push(typeCause(p, v, 'object'));
      continue;
    }
    let ps: JSONSchemaProps | undefined = props?.[k];
    if (!ps && isObject(extra)) ps = extra;
    if (!ps) {
      if (extra === true || preserve) continue;
      // Pruning: fields the structural schema does not specify are dropped.
      delete obj[k];
      r.unknownFields.push(p);
      continue;
    }
    if (v === null && !ps.nullable) {
      // Nulls of non-nullable fields are pruned before defaulting (Kubernetes 1.20+).
      delete obj[k];
      continue;
    }
    walkValue(v, ps, p, r);
  }
  if (s.required)
    for (const k of s.required) {
      if (obj[k] === undefined)
        r.causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: join(path, k) });
    }
  const n = Object.keys(obj).length;
  if (s.minProperties !== undefined && n < s.minProperties)
    r.causes.push(invalidCause(path, obj, `should have at least ${s.minProperties} properties`));
  if (s.maxProperties !== undefined && n > s.maxProperties)
    r.causes.push(invalidCause(path, obj, `should have at most ${s.maxProperties} properties`));
}

function typeCause(path: string, v: unknown, want: string): Cause {
  const got = jsonType(v);
  return {
    reason: 'FieldValueTypeInvalid',
    message: `Invalid value: "${got}": ${path} in body must be of type ${want}: "${got}"`,
    field: path,
  };
}

function invalidCause(path: string, v: unknown, what: string): Cause {
  return {
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${showValue(v)}: ${path} in body ${what}`,
    field: path,
  };
}

function walkValue(v: unknown, s: JSONSchemaProps, path: string, r: SchemaResult): void {
  if (v === null) return;
  if (!typeMatches(v, s)) {
    const want = s['x-kubernetes-int-or-string'] ? 'integer,string' : (s.type ?? 'object');
    r.causes.push(typeCause(path, v, want));
    return;
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    r.causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${showValue(v)}: supported values: ${s.enum.map(showValue).join(', ')}`,
      field: path,
    });
  }
  if (typeof v === 'string') {
    const len = [...v].length;
    if (s.minLength !== undefined && len < s.minLength)
      r.causes.push(invalidCause(path, v, `should be at least ${s.minLength} chars long`));
    if (s.maxLength !== undefined && len > s.maxLength)
      r.causes.push({
        reason: 'TooLong',
        message: `Too long: may not be more than ${s.maxLength} bytes`,
        field: path,
      });
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v))
      r.causes.push(invalidCause(path, v, `should match '${s.pattern}'`));
  } else if (typeof v === 'number') {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum))
      r.causes.push(
        invalidCause(
          path,
          v,
          `should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`,
        ),
      );
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum))
      r.causes.push(
        invalidCause(path, v, `should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`),
      );
  } else if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems)
      r.causes.push(invalidCause(path, v.length, `should have at least ${s.minItems} items`));
    if (s.maxItems !== undefined && v.length > s.maxItems)
      r.causes.push({
        reason: 'TooMany',
        message: `Too many: ${v.length}: must have at most ${s.maxItems} items`,
        field: path,
      });
    if (s.items) {
      const items = s.items;
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (item === null && !items.nullable) {
          r.causes.push(typeCause(`${path}[${i}]`, item, items.type ?? 'object'));
          continue;
        }
        walkValue(item, items, `${path}[${i}]`, r);
      }
    }
  } else if (isObject(v)) {
    if (s.properties || s.additionalProperties !== undefined || !s['x-kubernetes-preserve-unknown-fields'])
      walkObjectProps(v, s, path, r, false);
  }
  if (s.allOf) for (const sub of s.allOf) walkConstraints(v, sub, path, r);
  if (s.anyOf) {
    const ok = s.anyOf.some((sub) => {
      const t: SchemaResult = { causes: [], unknownFields: [] };
      walkConstraints(v, sub, path, t);
      return t.causes.length === 0;
    });
    if (!ok) r.causes.push(invalidCause(path, v, 'must validate at least one schema (anyOf)'));
  }
}

/** Value validations only (no pruning): what allOf/anyOf branches may hold in a structural schema. */
function walkConstraints(v: unknown, s: JSONSchemaProps, path: string, r: SchemaResult): void {
  const copy: unknown = structuredClone(v);
  const t: SchemaResult = { causes: [], unknownFields: [] };
  walkValue(copy, { ...s, 'x-kubernetes-preserve-unknown-fields': true }, path, t);
  r.causes.push(...t.causes);
}

/** Is `schema` structural enough for us to serve (every node typed, except preserve/int-or-string)? */
export function structuralProblems(s: JSONSchemaProps | undefined, path = 'openAPIV3Schema'): string[] {
  if (!s) return [];
  const out: string[] = [];
  if (
    !s.type &&
    !s['x-kubernetes-int-or-string'] &&
    !s['x-kubernetes-preserve-unknown-fields'] &&
    path !== 'openAPIV3Schema'
  )
    out.push(`${path}.type: Required value: must not be empty for specified object fields`);
  for (const [k, p] of Object.entries(s.properties ?? {}))
    out.push(...structuralProblems(p, `${path}.properties[${k}]`));
  if (s.items) out.push(...structuralProblems(s.items, `${path}.items`));
  if (isObject(s.additionalProperties))
    out.push(...structuralProblems(s.additionalProperties, `${path}.additionalProperties`));
  return out;
}
