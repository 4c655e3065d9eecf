/**
 * The kinds authentication and authorization add to the emulator: rbac.authorization.k8s.io/v1
 * (stored like any kind) and the create-only review kinds of authentication.k8s.io/v1 and
 * authorization.k8s.io/v1 (answered, never stored), plus the bootstrap policy every cluster has.
 */
import type { KubeObject } from '../../../apis/kube.js';
import { ALL_VERBS, humanDuration, type Resource, type TableColumn } from '../registry.js';
import { isObject, type JSONSchemaProps } from '../types.js';
import { AUTHENTICATED, SYSTEM_MASTERS, UNAUTHENTICATED } from './tokens.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const AUTHN_GROUP = 'authentication.k8s.io';
export const AUTHZ_GROUP = 'authorization.k8s.io';

const nameColumn: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
  cell: (o) => o.metadata.name ?? '',
};

const createdAt: TableColumn = {
  name: 'Created At',
  type: 'date',
  format: '',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: (o) => o.metadata.creationTimestamp ?? null,
};

const age: TableColumn = {
  name: 'Age',
  type: 'string',
  format: '',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: (o, now) => {
    const t = Date.parse(o.metadata.creationTimestamp ?? '');
    return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
  },
};

const strings = (description: string): JSONSchemaProps => ({
  type: 'array',
  description,
  items: { type: 'string' },
});

/** The rbac/v1 schemas, for `kubectl explain` (the server itself does not prune built-in kinds by them). */
const POLICY_RULE: JSONSchemaProps = {
  type: 'object',
  description: 'PolicyRule holds information that describes a policy rule.',
  required: ['verbs'],
  properties: {
    verbs: strings("Verbs the rule applies to; '*' is all."),
    apiGroups: strings("API groups of the resources; '' is the core group, '*' is all."),
    resources: strings("Resources the rule applies to; '*' is all, '*/sub' a subresource of all."),
    resourceNames: strings('Optional allow list of object names; empty means all.'),
    nonResourceURLs: strings("Partial URLs a user may reach; a trailing '*' matches a prefix."),
  },
};
const ROLE_SCHEMA: JSONSchemaProps = {
  type: 'object',
  description: 'A set of PolicyRules, granted by a binding.',
  properties: { rules: { type: 'array', description: 'The rules of this role.', items: POLICY_RULE } },
};
const SUBJECT: JSONSchemaProps = {
  type: 'object',
  description: 'A user, group or service account a binding grants its role to.',
  required: ['kind', 'name'],
  properties: {
    kind: { type: 'string', description: 'User, Group or ServiceAccount.' },
    apiGroup: {
      type: 'string',
      description: "rbac.authorization.k8s.io for User and Group; '' for ServiceAccount.",
    },
    name: { type: 'string', description: 'Name of the subject.' },
    namespace: { type: 'string', description: 'Namespace of a ServiceAccount.' },
  },
};
const BINDING_SCHEMA: JSONSchemaProps = {
  type: 'object',
  description: 'Grants the permissions of a role to subjects.',
  required: ['roleRef'],
  properties: {
    subjects: { type: 'array', description: 'Who the role is granted to.', items: SUBJECT },
    roleRef: {
      type: 'object',
      description: 'The Role or ClusterRole granted.',
      required: ['apiGroup', 'kind', 'name'],
      properties: {
        apiGroup: { type: 'string', description: 'rbac.authorization.k8s.io' },
        kind: { type: 'string', description: 'Role or ClusterRole.' },
        name: { type: 'string', description: 'Name of the role.' },
      },
    },
  },
};

function roleRefColumn(): TableColumn {
  return {
    name: 'Role',
    type: 'string',
    format: '',
    description: 'The role the binding grants.',
    priority: 0,
    cell: (o) => {
      const ref = (o as unknown as { roleRef?: unknown }).roleRef;
      return isObject(ref) ? `${String(ref.kind)}/${String(ref.name)}` : '';
    },
  };
}

function kind(
  group: string,
  kindName: string,
  plural: string,
  namespaced: boolean,
  verbs: string[],
  columns: TableColumn[],
  schema?: JSONSchemaProps,
): Resource {
  return {
    ...(schema ? { schema } : {}),
    group,
    version: 'v1',
    kind: kindName,
    listKind: `${kindName}List`,
    plural,
    singular: kindName.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    verbs,
    builtin: true,
    statusSubresource: false,
    hasGeneration: false,
    columns,
    storageKey: `${plural}.${group}`,
  };
}

export const ROLES = kind(RBAC_GROUP, 'Role', 'roles', true, ALL_VERBS, [nameColumn, createdAt], ROLE_SCHEMA);
export const CLUSTER_ROLES = kind(
  RBAC_GROUP,
  'ClusterRole',
  'clusterroles',
  false,
  ALL_VERBS,
  [nameColumn, createdAt],
  ROLE_SCHEMA,
);
export const ROLE_BINDINGS = kind(
  RBAC_GROUP,
  'RoleBinding',
  'rolebindings',
  true,
  ALL_VERBS,
  [nameColumn, roleRefColumn(), age],
  BINDING_SCHEMA,
);
export const CLUSTER_ROLE_BINDINGS = kind(
  RBAC_GROUP,
  'ClusterRoleBinding',
  'clusterrolebindings',
  false,
  ALL_VERBS,
  [nameColumn, roleRefColumn(), age],
  BINDING_SCHEMA,
);

const review = (group: string, k: string, plural: string, namespaced = false) =>
  kind(group, k, plural, namespaced, ['create'], [nameColumn]);

export const TOKEN_REVIEWS = review(AUTHN_GROUP, 'TokenReview', 'tokenreviews');
export const SELF_SUBJECT_REVIEWS = review(AUTHN_GROUP, 'SelfSubjectReview', 'selfsubjectreviews');
export const SUBJECT_ACCESS_REVIEWS = review(AUTHZ_GROUP, 'SubjectAccessReview', 'subjectaccessreviews');
export const LOCAL_SUBJECT_ACCESS_REVIEWS = review(
  AUTHZ_GROUP,
  'LocalSubjectAccessReview',
  'localsubjectaccessreviews',
  true,
);
export const SELF_SUBJECT_ACCESS_REVIEWS = review(
  AUTHZ_GROUP,
  'SelfSubjectAccessReview',
  'selfsubjectaccessreviews',
);
export const SELF_SUBJECT_RULES_REVIEWS = review(
  AUTHZ_GROUP,
  'SelfSubjectRulesReview',
  'selfsubjectrulesreviews',
);

export const REVIEW_RESOURCES = [
  TOKEN_REVIEWS,
  SELF_SUBJECT_REVIEWS,
  SUBJECT_ACCESS_REVIEWS,
  LOCAL_SUBJECT_ACCESS_REVIEWS,
  SELF_SUBJECT_ACCESS_REVIEWS,
  SELF_SUBJECT_RULES_REVIEWS,
];

export const AUTH_RESOURCES = [
  ROLES,
  CLUSTER_ROLES,
  ROLE_BINDINGS,
  CLUSTER_ROLE_BINDINGS,
  ...REVIEW_RESOURCES,
];

/** Review kinds are answered on create and never stored. */
export function isReview(r: Resource): boolean {
  return REVIEW_RESOURCES.some((x) => x.group === r.group && x.plural === r.plural);
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const bootstrapMeta = (name: string) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

function clusterRole(name: string, rules: PolicyRule[]): KubeObject {
  const role = { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole', metadata: bootstrapMeta(name), rules };
  return role;
}

function groupBinding(name: string, role: string, groups: string[]): KubeObject {
  const binding = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: bootstrapMeta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: groups.map((g) => ({ apiGroup: RBAC_GROUP, kind: 'Group', name: g })),
  };
  return binding;
}

/**
 * The part of kube-apiserver's bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy)
 * that matters here: admins, discovery and self-reviews for every authenticated user, health and
 * version for everyone, and the delegated-auth role a front proxy is given.
 */
export function bootstrapPolicy(): KubeObject[] {
  return [
    clusterRole('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    clusterRole('system:auth-delegator', [
      { apiGroups: [AUTHN_GROUP], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: [AUTHZ_GROUP], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ]),
    clusterRole('system:basic-user', [
      {
        apiGroups: [AUTHZ_GROUP],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        verbs: ['create'],
      },
      { apiGroups: [AUTHN_GROUP], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
    clusterRole('system:discovery', [
      {
        nonResourceURLs: [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
        verbs: ['get'],
      },
    ]),
    clusterRole('system:public-info-viewer', [
      { nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] },
    ]),
    groupBinding('cluster-admin', 'cluster-admin', [SYSTEM_MASTERS]),
    groupBinding('system:basic-user', 'system:basic-user', [AUTHENTICATED]),
    groupBinding('system:discovery', 'system:discovery', [AUTHENTICATED]),
    groupBinding('system:public-info-viewer', 'system:public-info-viewer', [AUTHENTICATED, UNAUTHENTICATED]),
  ];
}
