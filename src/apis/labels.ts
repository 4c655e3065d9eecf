/**
 * Label, annotation and finalizer keys Fleet uses to link its objects (docs/fleet/links.md §3.1, §3.3).
 * There are no ownerReferences between Fleet resources: these labels are the links.
 */
export const LABEL_REPO_NAME = 'fleet.cattle.io/repo-name';
export const LABEL_COMMIT = 'fleet.cattle.io/commit';
export const LABEL_HELMOP_NAME = 'fleet.cattle.io/fleet-helm-name';
export const LABEL_BUNDLE_NAME = 'fleet.cattle.io/bundle-name';
export const LABEL_BUNDLE_NAMESPACE = 'fleet.cattle.io/bundle-namespace';
export const LABEL_CLUSTER = 'fleet.cattle.io/cluster';
export const LABEL_CLUSTER_NAMESPACE = 'fleet.cattle.io/cluster-namespace';
export const LABEL_MANAGED = 'fleet.cattle.io/managed';
export const LABEL_CONTENT_NAME = 'fleet.cattle.io/content-name';
export const LABEL_SHARD_REF = 'fleet.cattle.io/shard-ref';
export const LABEL_CLUSTER_DISPLAY_NAME = 'management.cattle.io/cluster-display-name';
export const LABEL_NON_MANAGED_AGENT = 'fleet.cattle.io/non-managed-agent';
/** Set on every Namespace by Kubernetes; BundleNamespaceMappings select namespaces by it. */
export const LABEL_NAMESPACE_NAME = 'kubernetes.io/metadata.name';

/** Annotations on a per-cluster namespace that point back to its Cluster. */
export const ANNOTATION_CLUSTER_NAMESPACE = 'fleet.cattle.io/cluster-namespace';
export const ANNOTATION_CLUSTER = 'fleet.cattle.io/cluster';
/** Marks the per-cluster agent bundles (`fleet-agent-<cluster>`). */
export const ANNOTATION_OBJECTSET_ID = 'objectset.rio.cattle.io/id';
export const AGENT_BUNDLE_OBJECTSET_ID = 'fleet-manage-agent';

export const FINALIZER_GITREPO = 'fleet.cattle.io/gitrepo-finalizer';
export const FINALIZER_HELMOP = 'fleet.cattle.io/helmop-finalizer';
export const FINALIZER_BUNDLE = 'fleet.cattle.io/bundle-finalizer';
export const FINALIZER_BUNDLE_DEPLOYMENT = 'fleet.cattle.io/bundle-deployment-finalizer';
export const FINALIZER_CLUSTER = 'fleet.cattle.io/cluster-finalizer';

/** The bootstrap workspace, holding the `local` cluster and the `default` group (docs/fleet/targeting.md §4.1). */
export const BOOTSTRAP_NAMESPACE = 'fleet-local';
export const DEFAULT_WORKSPACE = 'fleet-default';
export const DEFAULT_CLUSTER_GROUP = 'default';
