/**
 * Offline validation of rendered Kubernetes objects with kubernetes-models (precompiled JSON-schema
 * validators for each built-in kind, plus prometheus-operator's CRDs). It checks types, enums,
 * required fields and quantities, but accepts unknown fields; chart.test.ts closes that gap with a
 * kubernetes-types `satisfies` compiled by tsc (ADR 0012).
 */
import {
  ServiceMonitor,
  PrometheusRule,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-models/rbac.authorization.k8s.io/v1';

interface Validatable {
  validate(): void;
}

type Model = new (data: never) => Validatable;

const MODELS: Record<string, Model> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Secret': Secret,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** The kubernetes-types name (in k8s-types.ts) of each built-in kind the chart renders. */
export const TYPED_KINDS: Record<string, string> = {
  'apps/v1/Deployment': 'k.Deployment',
  'v1/Service': 'k.Service',
  'v1/ServiceAccount': 'k.ServiceAccount',
  'v1/Secret': 'k.Secret',
  'networking.k8s.io/v1/Ingress': 'k.Ingress',
  'networking.k8s.io/v1/NetworkPolicy': 'k.NetworkPolicy',
  'policy/v1/PodDisruptionBudget': 'k.PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'k.ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'k.ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role': 'k.Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'k.RoleBinding',
};

/** Throws the validator's message when the object breaks its kind's schema, or the kind is unknown. */
export function validateWithModels(obj: { apiVersion: string; kind: string }): void {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) throw new Error(`no schema for ${obj.apiVersion} ${obj.kind}`);
  new Model(obj as never).validate();
}
