/**
 * Validation of the RBAC kinds (k8s.io/kubernetes pkg/apis/rbac/validation): a binding names a
 * Role or ClusterRole of rbac.authorization.k8s.io and may never change it, subjects are users,
 * groups or service accounts, and every rule has verbs and something to apply them to.
 */
import type { Cause } from '../errors.js';
import { isObject, type JsonObject } from '../types.js';
import { RBAC_GROUP } from './resources.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const unsupported = (field: string, value: string, allowed: string[]): Cause => ({
  reason: 'FieldValueNotSupported',
  field,
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
});
const required = (field: string, detail = ''): Cause => ({
  reason: 'FieldValueRequired',
  field,
  message: detail ? `Required value: ${detail}` : 'Required value',
});

function rules(obj: JsonObject, namespaced: boolean): Cause[] {
  const causes: Cause[] = [];
  const list = Array.isArray(obj.rules) ? obj.rules : [];
  list.forEach((raw, i) => {
    const rule = isObject(raw) ? raw : {};
    const f = `rules[${i}]`;
    const len = (k: string) => (Array.isArray(rule[k]) ? (rule[k] as unknown[]).length : 0);
    if (len('verbs') === 0) causes.push(required(`${f}.verbs`, 'verbs must contain at least one value'));
    if (len('nonResourceURLs') > 0) {
      if (namespaced)
        causes.push({
          reason: 'FieldValueInvalid',
          field: `${f}.nonResourceURLs`,
          message: `Invalid value: ${JSON.stringify(rule.nonResourceURLs)}: namespaced rules cannot apply to non-resource URLs`,
        });
      if (len('apiGroups') > 0 || len('resources') > 0 || len('resourceNames') > 0)
        causes.push({
          reason: 'FieldValueInvalid',
          field: `${f}.nonResourceURLs`,
          message: `Invalid value: ${JSON.stringify(rule.nonResourceURLs)}: rules cannot apply to both regular resources and non-resource URLs`,
        });
      return;
    }
    if (len('apiGroups') === 0)
      causes.push(required(`${f}.apiGroups`, 'resource rules must supply at least one api group'));
    if (len('resources') === 0)
      causes.push(required(`${f}.resources`, 'resource rules must supply at least one resource'));
  });
  return causes;
}

/** Go's `%#v` of an rbac.RoleRef, as the "cannot change roleRef" error prints it. */
function goRoleRef(ref: JsonObject): string {
  return `rbac.RoleRef{APIGroup:${JSON.stringify(str(ref.apiGroup))}, Kind:${JSON.stringify(str(ref.kind))}, Name:${JSON.stringify(str(ref.name))}}`;
}

function binding(obj: JsonObject, cluster: boolean, old: JsonObject | undefined): Cause[] {
  const causes: Cause[] = [];
  const ref = isObject(obj.roleRef) ? obj.roleRef : {};
  if (str(ref.apiGroup) !== RBAC_GROUP)
    causes.push(unsupported('roleRef.apiGroup', str(ref.apiGroup), [RBAC_GROUP]));
  const kinds = cluster ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(str(ref.kind))) causes.push(unsupported('roleRef.kind', str(ref.kind), kinds));
  if (str(ref.name) === '') causes.push(required('roleRef.name'));
  const subjects = Array.isArray(obj.subjects) ? obj.subjects : [];
  subjects.forEach((raw, i) => {
    const s = isObject(raw) ? raw : {};
    const f = `subjects[${i}]`;
    const kind = str(s.kind);
    if (str(s.name) === '') causes.push(required(`${f}.name`));
    if (kind === 'ServiceAccount') {
      if (str(s.apiGroup) !== '') causes.push(unsupported(`${f}.apiGroup`, str(s.apiGroup), ['']));
      if (cluster && str(s.namespace) === '') causes.push(required(`${f}.namespace`));
    } else if (kind === 'User' || kind === 'Group') {
      // rbac/v1 defaulting: users and groups belong to rbac.authorization.k8s.io.
      if (s.apiGroup === undefined || s.apiGroup === '') s.apiGroup = RBAC_GROUP;
      if (str(s.apiGroup) !== RBAC_GROUP)
        causes.push(unsupported(`${f}.apiGroup`, str(s.apiGroup), [RBAC_GROUP]));
    } else causes.push(unsupported(`${f}.kind`, kind, ['ServiceAccount', 'User', 'Group']));
  });
  if (old && isObject(old.roleRef)) {
    const before = old.roleRef;
    if (
      str(before.apiGroup) !== str(ref.apiGroup) ||
      str(before.kind) !== str(ref.kind) ||
      str(before.name) !== str(ref.name)
    )
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'roleRef',
        message: `Invalid value: ${goRoleRef(ref)}: cannot change roleRef`,
      });
  }
  return causes;
}

/** The problems of one RBAC object as it would be stored; `old` is the stored one on updates. */
export function validateRbac(kind: string, obj: JsonObject, old: JsonObject | undefined): Cause[] {
  switch (kind) {
    case 'Role':
      return rules(obj, true);
    case 'ClusterRole':
      return rules(obj, false);
    case 'RoleBinding':
      return binding(obj, false, old);
    case 'ClusterRoleBinding':
      return binding(obj, true, old);
    default:
      return [];
  }
}
