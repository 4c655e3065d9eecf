/**
 * The kinds a Helm chart of the gateway itself installs — ServiceAccount, Service, Deployment,
 * PodDisruptionBudget, NetworkPolicy, Ingress — served as stored objects only: CRUD, watch,
 * patch and RBAC like every built-in kind, but no controller acts on them (no Pods, no
 * endpoints). That is what `helm install`/`helm upgrade` need from an API server: discovery that
 * maps each kind, and objects that are kept and read back (the release record itself is a Secret).
 */
import type { Resource, TableColumn } from './registry.js';

interface Workload {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: string[];
  readonly statusSubresource: boolean;
  readonly hasGeneration: boolean;
}

const WORKLOADS: Workload[] = [
  {
    group: '',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    shortNames: ['sa'],
    statusSubresource: false,
    hasGeneration: false,
  },
  {
    group: '',
    kind: 'Service',
    plural: 'services',
    shortNames: ['svc'],
    statusSubresource: true,
    hasGeneration: false,
  },
  {
    group: 'apps',
    kind: 'Deployment',
    plural: 'deployments',
    shortNames: ['deploy'],
    statusSubresource: true,
    hasGeneration: true,
  },
  {
    group: 'policy',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    shortNames: ['pdb'],
    statusSubresource: true,
    hasGeneration: true,
  },
  {
    group: 'networking.k8s.io',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    shortNames: ['netpol'],
    statusSubresource: false,
    hasGeneration: true,
  },
  {
    group: 'networking.k8s.io',
    kind: 'Ingress',
    plural: 'ingresses',
    shortNames: ['ing'],
    statusSubresource: true,
    hasGeneration: true,
  },
];

export function workloadResources(nameColumn: TableColumn, ageColumn: TableColumn): Resource[] {
  return WORKLOADS.map((w) => ({
    group: w.group,
    version: 'v1',
    kind: w.kind,
    listKind: `${w.kind}List`,
    plural: w.plural,
    singular: w.kind.toLowerCase(),
    namespaced: true,
    shortNames: w.shortNames,
    categories: w.group === '' || w.group === 'apps' ? ['all'] : [],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    builtin: true,
    statusSubresource: w.statusSubresource,
    hasGeneration: w.hasGeneration,
    columns: [nameColumn, ageColumn],
    storageKey: w.group === '' ? w.plural : `${w.plural}.${w.group}`,
  }));
}
