/**
 * The resource table: every kind the project reads or serves, with its group, version, plural and
 * scope, so URLs and watch paths are built in one place.
 */
export interface ResourceType {
  readonly group: string; // '' for the core group
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
}

export const FLEET_GROUP = 'fleet.cattle.io';
export const FLEET_VERSION = 'v1alpha1';
export const FLEET_API_VERSION = `${FLEET_GROUP}/${FLEET_VERSION}`;

function fleet(kind: string, plural: string, namespaced = true): ResourceType {
  return {
    group: FLEET_GROUP,
    version: FLEET_VERSION,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
  };
}

export const GITREPOS = fleet('GitRepo', 'gitrepos');
export const HELMOPS = fleet('HelmOp', 'helmops');
export const BUNDLES = fleet('Bundle', 'bundles');
export const BUNDLE_DEPLOYMENTS = fleet('BundleDeployment', 'bundledeployments');
export const CLUSTERS = fleet('Cluster', 'clusters');
export const CLUSTER_GROUPS = fleet('ClusterGroup', 'clustergroups');
export const BUNDLE_NAMESPACE_MAPPINGS = fleet('BundleNamespaceMapping', 'bundlenamespacemappings');
export const GITREPO_RESTRICTIONS = fleet('GitRepoRestriction', 'gitreporestrictions');
export const CONTENTS = fleet('Content', 'contents', false);

export const NAMESPACES: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
};

export const SECRETS: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  listKind: 'SecretList',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
};

/** The Fleet kinds the gateway watches, in the order it starts them. */
export const WATCHED_FLEET_TYPES: readonly ResourceType[] = [
  CLUSTERS,
  CLUSTER_GROUPS,
  BUNDLE_NAMESPACE_MAPPINGS,
  GITREPOS,
  HELMOPS,
  BUNDLES,
  BUNDLE_DEPLOYMENTS,
  GITREPO_RESTRICTIONS,
];

export function apiVersionOf(t: ResourceType): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

/** The collection path of a type, optionally within one namespace. */
export function collectionPath(t: ResourceType, namespace?: string): string {
  const base = t.group === '' ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`;
  return t.namespaced && namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${t.plural}`
    : `${base}/${t.plural}`;
}

/** The path of one object. */
export function objectPath(t: ResourceType, name: string, namespace?: string): string {
  return `${collectionPath(t, namespace)}/${encodeURIComponent(name)}`;
}
