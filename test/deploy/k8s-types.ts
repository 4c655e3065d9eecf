/**
 * The Kubernetes object types (kubernetes-types, types only) that chart manifests are checked
 * against with `satisfies`; copied next to the generated manifests file by chart.test.ts.
 */
export type { Deployment } from 'kubernetes-types/apps/v1.js';
export type { Secret, Service, ServiceAccount } from 'kubernetes-types/core/v1.js';
export type { Ingress, NetworkPolicy } from 'kubernetes-types/networking/v1.js';
export type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
export type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
