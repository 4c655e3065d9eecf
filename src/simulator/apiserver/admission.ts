/**
 * Admission of an object before it is stored: ObjectMeta validation, typed decoding of the
 * built-in kinds (unknown fields pruned), kind-specific defaulting and validation, the structural
 * schema of custom resources, and CustomResourceDefinition validation. Pure functions of the
 * object, used by the engine's create, update and patch (engine.ts).
 */
import type { ObjectMeta } from '../../apis/kube.js';
import { labelKeyProblem, labelValueProblem } from '../../apis/selector.js';
import type { WriteOptions } from './engine.js';
import { badRequest, type Cause } from './errors.js';
import { admitLease, LEASE_FIELDS } from './lease.js';
import { NAMESPACE_RESOURCE, type Resource } from './registry.js';
import { applySchema, structuralProblems } from './schema.js';
import { isObject, type CustomResourceDefinition, type JsonObject } from './types.js';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

const META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** Top-level fields of the built-in kinds (k8s.io/api core/v1, apiextensions/v1). */
const BUILTIN_FIELDS: Record<string, Set<string>> = {
  Lease: LEASE_FIELDS,
  Namespace: new Set(['spec', 'status']),
  ConfigMap: new Set(['data', 'binaryData', 'immutable']),
  Secret: new Set(['data', 'stringData', 'type', 'immutable']),
  Event: new Set([
    'involvedObject',
    'reason',
    'message',
    'source',
    'firstTimestamp',
    'lastTimestamp',
    'count',
    'type',
    'eventTime',
    'series',
    'action',
    'related',
    'reportingComponent',
    'reportingInstance',
  ]),
  CustomResourceDefinition: new Set(['spec', 'status']),
};

/** Drops fields typed decoding would not keep; returns their paths. */
export function pruneTyped(r: Resource, obj: JsonObject): string[] {
  const unknown: string[] = [];
  if (isObject(obj.metadata))
    for (const k of Object.keys(obj.metadata))
      if (!META_FIELDS.has(k)) {
        delete obj.metadata[k];
        unknown.push(`metadata.${k}`);
      }
  const known = r.builtin ? BUILTIN_FIELDS[r.kind] : undefined;
  if (known)
    for (const k of Object.keys(obj))
      if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && !known.has(k)) {
        delete obj[k];
        unknown.push(k);
      }
  return unknown;
}

export function validateMeta(r: Resource, m: ObjectMeta): Cause[] {
  const causes: Cause[] = [];
  const name = m.name ?? '';
  if (!name)
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
      field: 'metadata.name',
    });
  else if (r.group === 'rbac.authorization.k8s.io') {
    // RBAC names are path segments (`system:masters` is fine), not DNS subdomains.
    if (name === '.' || name === '..' || /[/%]/.test(name))
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(name)}: may not be '.' or '..' and may not contain '/' or '%'`,
        field: 'metadata.name',
      });
  } else if (
    r === NAMESPACE_RESOURCE
      ? !DNS1123_LABEL.test(name) || name.length > 63
      : !DNS1123_SUBDOMAIN.test(name) || name.length > 253
  )
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(name)}: ${r === NAMESPACE_RESOURCE ? LABEL_MSG : SUBDOMAIN_MSG}`,
      field: 'metadata.name',
    });
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    const kp = labelKeyProblem(k);
    if (kp)
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(k)}: ${kp}`,
        field: 'metadata.labels',
      });
    const vp = typeof v === 'string' ? labelValueProblem(v) : 'must be a string';
    if (vp)
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(v)}: ${vp}`,
        field: `metadata.labels`,
      });
  }
  // apimachinery ValidateAnnotations: keys and values together may not exceed 256 KiB.
  let annotationBytes = 0;
  for (const [k, v] of Object.entries(m.annotations ?? {}))
    annotationBytes += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  if (annotationBytes > 262144)
    causes.push({
      reason: 'FieldValueTooLong',
      message: 'Too long: must have at most 262144 bytes',
      field: 'metadata.annotations',
    });
  for (const [k, v] of Object.entries(m.annotations ?? {})) {
    const kp = labelKeyProblem(k);
    if (kp)
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(k)}: ${kp}`,
        field: 'metadata.annotations',
      });
    if (typeof v !== 'string')
      causes.push({
        reason: 'FieldValueTypeInvalid',
        message: 'Invalid value: must be a string',
        field: `metadata.annotations`,
      });
  }
  return causes;
}

/** Kind-specific defaulting and validation of built-in kinds; schema handling of custom resources. */
export function admit(
  r: Resource,
  obj: JsonObject,
  opts: WriteOptions,
): { causes: Cause[]; warnings: string[] } {
  const causes: Cause[] = [];
  const warnings: string[] = [];
  // Typed decoding drops what ObjectMeta and the built-in kinds do not know; structural schemas
  // prune custom resources. `fieldValidation` decides whether that is an error or a warning.
  const unknown = pruneTyped(r, obj);
  if (!r.builtin) {
    const res = applySchema(obj, r.schema);
    causes.push(...res.causes);
    unknown.push(...res.unknownFields);
  }
  if (unknown.length > 0) {
    if (opts.fieldValidation === 'Strict')
      throw badRequest(
        `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${unknown
          .map((f) => `unknown field "${f}"`)
          .join(', ')}`,
      );
    if (opts.fieldValidation !== 'Ignore') warnings.push(...unknown.map((f) => `unknown field "${f}"`));
  }
  if (!r.builtin) return { causes, warnings };
  switch (r.kind) {
    case 'Namespace': {
      const spec = isObject(obj.spec) ? obj.spec : {};
      spec.finalizers ??= ['kubernetes'];
      obj.spec = spec;
      break;
    }
    case 'ConfigMap':
      for (const k of ['data', 'binaryData']) {
        const d = obj[k];
        if (d === undefined || d === null) continue;
        if (!isObject(d))
          causes.push({
            reason: 'FieldValueTypeInvalid',
            message: 'Invalid value: must be a map of strings',
            field: k,
          });
        else
          for (const [key, v] of Object.entries(d))
            if (typeof v !== 'string')
              causes.push({
                reason: 'FieldValueTypeInvalid',
                message: `Invalid value: must be a string`,
                field: `${k}[${key}]`,
              });
      }
      break;
    case 'Secret': {
      if (!obj.type) obj.type = 'Opaque';
      // stringData is write-only: merged into data, base64-encoded (core/v1 Secret).
      if (isObject(obj.stringData)) {
        const data = isObject(obj.data) ? obj.data : {};
        for (const [k, v] of Object.entries(obj.stringData))
          data[k] = Buffer.from(String(v as string), 'utf8').toString('base64');
        obj.data = data;
      }
      delete obj.stringData;
      if (isObject(obj.data))
        for (const [k, v] of Object.entries(obj.data))
          if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
            throw badRequest(
              `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0 (data[${k}])`,
            );
      break;
    }
    case 'CustomResourceDefinition':
      causes.push(...validateCrd(obj as unknown as CustomResourceDefinition));
      break;
    case 'Lease':
      causes.push(...admitLease(obj));
      break;
  }
  return { causes, warnings };
}

export function validateCrd(crd: CustomResourceDefinition): Cause[] {
  const causes: Cause[] = [];
  const spec = crd.spec as CustomResourceDefinition['spec'] | undefined;
  if (!isObject(spec)) return [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec' }];
  const req = (v: unknown, field: string) => {
    if (typeof v !== 'string' || v === '')
      causes.push({ reason: 'FieldValueRequired', message: 'Required value', field });
  };
  req(spec.group, 'spec.group');
  req(spec.names?.plural, 'spec.names.plural');
  req(spec.names?.kind, 'spec.names.kind');
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster')
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`,
      field: 'spec.scope',
    });
  if (causes.length === 0 && crd.metadata.name !== `${spec.names.plural}.${spec.group}`)
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(crd.metadata.name)}: must be spec.names.plural+"."+spec.group`,
      field: 'metadata.name',
    });
  if (!Array.isArray(spec.versions) || spec.versions.length === 0)
    causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.versions' });
  else {
    if (spec.versions.filter((v) => v.storage).length !== 1)
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(spec.versions.map((v) => v.name))}: must have exactly one version marked as storage version`,
        field: 'spec.versions',
      });
    spec.versions.forEach((v, i) => {
      const probs = structuralProblems(
        v.schema?.openAPIV3Schema,
        `spec.versions[${i}].schema.openAPIV3Schema`,
      ).filter((p) => !p.startsWith(`spec.versions[${i}].schema.openAPIV3Schema.type`));
      for (const p of probs) {
        const [field, ...rest] = p.split(': ');
        causes.push({ reason: 'FieldValueRequired', message: rest.join(': '), field: field! });
      }
    });
  }
  return causes;
}
