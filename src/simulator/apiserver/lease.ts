/**
 * coordination.k8s.io/v1 Lease, the object leader election is built on. Served like the other
 * built-in kinds (CRUD, watch, resourceVersion preconditions, strategic merge patch); what is
 * particular to it lives here: the MicroTime fields, which a real API server decodes with Go's
 * `time.Parse(RFC3339Micro, s)` (apimachinery pkg/apis/meta/v1/micro_time.go), and the spec
 * validation of pkg/apis/coordination/validation.
 */
import { badRequest, type Cause } from './errors.js';
import type { Resource, TableColumn } from './registry.js';
import { isObject, type JsonObject } from './types.js';

/** The layout apimachinery parses MicroTime with: exactly six fractional digits. */
export const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';

/** Top-level fields of a Lease besides apiVersion, kind and metadata. */
export const LEASE_FIELDS = new Set(['spec']);

const SPEC_FIELDS = new Set([
  'holderIdentity',
  'leaseDurationSeconds',
  'acquireTime',
  'renewTime',
  'leaseTransitions',
  'strategy',
  'preferredHolder',
]);

const MICRO_TIME_FIELDS = ['acquireTime', 'renewTime'] as const;

/**
 * The layout's elements in order, as Go's time.Parse walks them. A mismatch is reported the way
 * Go does: `cannot parse "<rest of the value>" as "<layout element>"`.
 */
const ELEMENTS: readonly (readonly [layout: string, pattern: RegExp])[] = [
  ['2006', /^\d{4}/],
  ['-', /^-/],
  ['01', /^\d{2}/],
  ['-', /^-/],
  ['02', /^\d{2}/],
  ['T', /^T/],
  ['15', /^\d{2}/],
  [':', /^:/],
  ['04', /^\d{2}/],
  [':', /^:/],
  ['05', /^\d{2}/],
  ['.000000', /^[.,]\d{6}/],
  ['Z07:00', /^(?:Z|[+-]\d{2}:\d{2})/],
];

/** Go's error text for a value that `time.Parse(RFC3339Micro, value)` refuses, or undefined when it parses. */
export function microTimeParseError(value: string): string | undefined {
  const head = `parsing time ${JSON.stringify(value)}`;
  let rest = value;
  const parts: string[] = [];
  for (const [layout, pattern] of ELEMENTS) {
    const m = pattern.exec(rest);
    if (!m) return `${head} as "${RFC3339_MICRO}": cannot parse ${JSON.stringify(rest)} as "${layout}"`;
    parts.push(m[0]);
    rest = rest.slice(m[0].length);
  }
  if (rest !== '') return `${head}: extra text: ${JSON.stringify(rest)}`;
  const [, , month, , day, , hour, , minute, , second] = parts.map(Number);
  if (month! < 1 || month! > 12) return `${head}: month out of range`;
  if (day! < 1 || day! > 31) return `${head}: day out of range`;
  if (hour! > 23) return `${head}: hour out of range`;
  if (minute! > 59) return `${head}: minute out of range`;
  if (second! > 59) return `${head}: second out of range`;
  return undefined;
}

/**
 * Decoding and validation of a Lease body, in place. A MicroTime that does not decode is a
 * decoding error of the whole body (400 BadRequest, as the API server answers before any
 * validation); field problems are returned as causes of a 422 Invalid.
 */
export function admitLease(obj: JsonObject): Cause[] {
  const causes: Cause[] = [];
  const spec = obj.spec;
  if (spec === undefined || spec === null) return causes;
  const cannot = (why: string) => badRequest(`Lease in version "v1" cannot be handled as a Lease: ${why}`);
  if (!isObject(spec))
    throw cannot('json: cannot unmarshal into Go struct field Lease.spec of type v1.LeaseSpec');
  for (const k of Object.keys(spec)) if (!SPEC_FIELDS.has(k)) delete spec[k];
  for (const f of MICRO_TIME_FIELDS) {
    const v = spec[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string')
      throw cannot(
        `json: cannot unmarshal ${typeof v} into Go struct field LeaseSpec.spec.${f} of type string`,
      );
    const err = microTimeParseError(v);
    if (err) throw cannot(err);
  }
  for (const f of ['holderIdentity', 'strategy', 'preferredHolder'] as const) {
    const v = spec[f];
    if (v !== undefined && v !== null && typeof v !== 'string')
      throw cannot(
        `json: cannot unmarshal ${typeof v} into Go struct field LeaseSpec.spec.${f} of type string`,
      );
  }
  for (const f of ['leaseDurationSeconds', 'leaseTransitions'] as const) {
    const v = spec[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw cannot(
        `json: cannot unmarshal ${JSON.stringify(v)} into Go struct field LeaseSpec.spec.${f} of type int32`,
      );
  }
  // pkg/apis/coordination/validation ValidateLeaseSpec.
  const duration = spec.leaseDurationSeconds;
  if (typeof duration === 'number' && duration <= 0)
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${duration}: must be greater than 0`,
      field: 'spec.leaseDurationSeconds',
    });
  const transitions = spec.leaseTransitions;
  if (typeof transitions === 'number' && transitions < 0)
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${transitions}: must be greater than or equal to 0`,
      field: 'spec.leaseTransitions',
    });
  return causes;
}

/** What `kubectl get leases` prints: Name, Holder, Age. */
export function leaseResource(nameColumn: TableColumn, ageColumn: TableColumn): Resource {
  return {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    listKind: 'LeaseList',
    plural: 'leases',
    singular: 'lease',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    builtin: true,
    statusSubresource: false,
    hasGeneration: false,
    columns: [
      nameColumn,
      {
        name: 'Holder',
        type: 'string',
        format: '',
        description: 'holderIdentity contains the identity of the holder of a current lease.',
        priority: 0,
        cell: (o) => {
          const spec = (o as unknown as JsonObject).spec;
          return isObject(spec) && typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '';
        },
      },
      ageColumn,
    ],
    storageKey: 'leases.coordination.k8s.io',
  };
}
