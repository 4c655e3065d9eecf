/**
 * Protobuf decoding of the auth kinds kubectl's typed clients send as
 * `application/vnd.kubernetes.protobuf` (`kubectl create role|rolebinding|clusterrole|
 * clusterrolebinding`, `kubectl auth can-i|whoami`), by the field numbers of k8s.io/api
 * rbac/v1, authorization/v1 and authentication/v1 `generated.proto`.
 */
import { fields, objectMeta, registerProtobufKind, str, type Field } from '../protobuf.js';
import type { JsonObject } from '../types.js';
import { AUTHN_GROUP, AUTHZ_GROUP, RBAC_GROUP } from './resources.js';

type Schema = Record<number, [name: string, decode: (f: Field) => unknown, repeated?: boolean]>;

function message(schema: Schema): (f: Field) => JsonObject {
  const decode = (buf: Buffer): JsonObject => {
    const out: JsonObject = {};
    for (const f of fields(buf)) {
      const entry = schema[f.no];
      if (!entry) continue;
      const [name, fn, repeated] = entry;
      const v = fn(f);
      if (repeated) ((out[name] ??= []) as unknown[]).push(v);
      else out[name] = v;
    }
    return out;
  };
  return (f) => decode(f.value as Buffer);
}

const string = (f: Field) => str(f);
const meta = (f: Field) => objectMeta(f.value as Buffer);

const policyRule = message({
  1: ['verbs', string, true],
  2: ['apiGroups', string, true],
  3: ['resources', string, true],
  4: ['resourceNames', string, true],
  5: ['nonResourceURLs', string, true],
});
const roleRef = message({ 1: ['apiGroup', string], 2: ['kind', string], 3: ['name', string] });
const subject = message({
  1: ['kind', string],
  2: ['apiGroup', string],
  3: ['name', string],
  4: ['namespace', string],
});

const resourceAttributes = message({
  1: ['namespace', string],
  2: ['verb', string],
  3: ['group', string],
  4: ['version', string],
  5: ['resource', string],
  6: ['subresource', string],
  7: ['name', string],
});
const nonResourceAttributes = message({ 1: ['path', string], 2: ['verb', string] });
const extraEntry = (f: Field): [string, string[]] => {
  let key = '';
  const values: string[] = [];
  for (const e of fields(f.value as Buffer)) {
    if (e.no === 1) key = str(e);
    if (e.no === 2) for (const item of fields(e.value as Buffer)) if (item.no === 1) values.push(str(item));
  }
  return [key, values];
};
const sarSpec = (f: Field): JsonObject => {
  const spec = message({
    1: ['resourceAttributes', resourceAttributes],
    2: ['nonResourceAttributes', nonResourceAttributes],
    3: ['user', string],
    4: ['groups', string, true],
    5: ['extra', extraEntry, true],
    6: ['uid', string],
  })(f);
  if (Array.isArray(spec.extra)) spec.extra = Object.fromEntries(spec.extra as [string, string[]][]);
  return spec;
};

function register(group: string, kind: string, schema: Schema): void {
  const decode = message(schema);
  registerProtobufKind(`${group}/v1`, kind, (raw) => decode({ no: 0, wire: 2, value: raw }));
}

/** Registers the decoders once, at module load. */
export function registerAuthProtobuf(): void {
  register(RBAC_GROUP, 'Role', { 1: ['metadata', meta], 2: ['rules', policyRule, true] });
  register(RBAC_GROUP, 'ClusterRole', { 1: ['metadata', meta], 2: ['rules', policyRule, true] });
  for (const kind of ['RoleBinding', 'ClusterRoleBinding'])
    register(RBAC_GROUP, kind, {
      1: ['metadata', meta],
      2: ['subjects', subject, true],
      3: ['roleRef', roleRef],
    });
  for (const kind of ['SubjectAccessReview', 'LocalSubjectAccessReview'])
    register(AUTHZ_GROUP, kind, { 1: ['metadata', meta], 2: ['spec', sarSpec] });
  register(AUTHZ_GROUP, 'SelfSubjectAccessReview', {
    1: ['metadata', meta],
    2: [
      'spec',
      message({
        1: ['resourceAttributes', resourceAttributes],
        2: ['nonResourceAttributes', nonResourceAttributes],
      }),
    ],
  });
  register(AUTHZ_GROUP, 'SelfSubjectRulesReview', {
    1: ['metadata', meta],
    2: ['spec', message({ 1: ['namespace', string] })],
  });
  register(AUTHN_GROUP, 'TokenReview', {
    1: ['metadata', meta],
    2: ['spec', message({ 1: ['token', string], 2: ['audiences', string, true] })],
  });
  register(AUTHN_GROUP, 'SelfSubjectReview', { 1: ['metadata', meta] });
}
