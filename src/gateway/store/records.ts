/**
 * The compact records the read model keeps per object: only what the schema and Fleet's rules
 * need, with repeated strings interned by the store. Records are frozen; a change replaces the
 * record. Large or rarely read parts (full status lists, resources, raw objects) are not here:
 * they are fetched from the API server on demand.
 *
 * This file is the contract between store/ (which builds records from watch events) and fleet/
 * (which derives Fleet's views from them).
 */
import type {
  BundleDependsOn,
  BundleState,
  BundleSummary,
  BundleTarget,
  Condition,
  GitTarget,
  ResourceCounts,
  RolloutStrategy,
  TargetCriteria,
} from '../../apis/fleet.js';
import type { LabelSelector } from '../../apis/selector.js';

export type Labels = Readonly<Record<string, string>>;

/** What every record carries. `key` is `namespace/name` (or `name` when cluster-scoped). */
export interface RecordMeta {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly generation: number;
  readonly labels: Labels;
  readonly creationTimestamp: string;
  /** Set while finalizers hold a deleted object. */
  readonly deletionTimestamp?: string | undefined;
}

/** A condition as Fleet writes it, kept compact. */
export type ConditionRecord = Readonly<
  Pick<Condition, 'type' | 'status' | 'reason' | 'message' | 'lastUpdateTime'>
>;

/** Status fields GitRepo and HelmOp share (docs/fleet/objects.md §2.1), exactly as Fleet reported them. */
export interface ReportedStatus {
  readonly readyClusters: number;
  readonly desiredReadyClusters: number;
  readonly summary: Readonly<BundleSummary> | undefined;
  readonly display: Readonly<{
    readyBundleDeployments?: string;
    state?: string;
    message?: string;
    error?: boolean;
  }>;
  readonly conditions: readonly ConditionRecord[];
  readonly resourceCounts: Readonly<ResourceCounts> | undefined;
}

export interface GitRepoRecord extends RecordMeta {
  readonly kind: 'GitRepo';
  readonly repo: string;
  readonly branch?: string | undefined;
  readonly revision?: string | undefined;
  readonly paths: readonly string[];
  readonly targets: readonly GitTarget[];
  readonly targetNamespace?: string | undefined;
  /** `spec.serviceAccount` and `spec.clientSecretName`, which GitRepoRestrictions judge. */
  readonly serviceAccount?: string | undefined;
  readonly clientSecretName?: string | undefined;
  readonly paused: boolean;
  readonly forceSyncGeneration: number;
  readonly annotations: Labels;
  readonly status: ReportedStatus & {
    readonly observedGeneration: number;
    readonly updateGeneration: number;
    readonly commit?: string | undefined;
    readonly gitJobStatus?: string | undefined;
  };
}

export interface HelmOpRecord extends RecordMeta {
  readonly kind: 'HelmOp';
  readonly chart?: string | undefined;
  readonly repo?: string | undefined;
  readonly version?: string | undefined;
  readonly targets: readonly BundleTarget[];
  readonly paused: boolean;
  readonly status: ReportedStatus & { readonly version?: string | undefined };
}

export interface BundleRecord extends RecordMeta {
  readonly kind: 'Bundle';
  /** `fleet.cattle.io/repo-name`, when a GitRepo made it. */
  readonly repoName?: string | undefined;
  /** `fleet.cattle.io/fleet-helm-name`, when a HelmOp made it. */
  readonly helmOpName?: string | undefined;
  readonly paused: boolean;
  readonly targets: readonly BundleTarget[];
  readonly targetRestrictions: readonly TargetCriteria[];
  readonly targetCustomizationMode: 'FirstMatch' | 'AllMatches';
  readonly dependsOn: readonly BundleDependsOn[];
  readonly rolloutStrategy?: Readonly<RolloutStrategy> | undefined;
  readonly forceSyncGeneration: number;
  /** True for the per-cluster `fleet-agent-<cluster>` bundles (docs/fleet/operations.md §8.1). */
  readonly agentBundle: boolean;
  /**
   * The bundle-level Helm options Fleet templates per cluster (docs/fleet/targeting.md §4.8):
   * `values`, `templateValues` and `disablePreProcess`, kept only when one of them is set.
   */
  readonly helmTemplating?: Readonly<HelmTemplating> | undefined;
  readonly status: {
    readonly observedGeneration: number;
    readonly summary: Readonly<BundleSummary> | undefined;
    readonly display: Readonly<{ readyClusters?: string; state?: string }>;
    readonly conditions: readonly ConditionRecord[];
    /** BDs the last reconcile created (at most `rolloutStrategy.maxNew`, default 50). */
    readonly newlyCreated: number;
    /** Partitions the last reconcile found unavailable; above the maximum, the rollout stops. */
    readonly unavailablePartitions: number;
    readonly maxUnavailablePartitions: number;
  };
}

export interface BundleDeploymentRecord extends RecordMeta {
  readonly kind: 'BundleDeployment';
  readonly bundleName: string;
  readonly bundleNamespace: string;
  readonly clusterName: string;
  /** Namespace of the Cluster object (`fleet.cattle.io/cluster-namespace`), not of this record. */
  readonly clusterNamespace: string;
  readonly repoName?: string | undefined;
  readonly helmOpName?: string | undefined;
  readonly deploymentID: string;
  readonly stagedDeploymentID: string;
  readonly appliedDeploymentID: string;
  readonly paused: boolean;
  readonly offSchedule: boolean;
  readonly dependsOn: readonly BundleDependsOn[];
  readonly ready: boolean;
  readonly nonModified: boolean;
  /** The Deployed, Installed, Monitored and Ready conditions, as the agent wrote them. */
  readonly conditions: readonly ConditionRecord[];
  /** `status.display.state` as Fleet wrote it (may trail the state derived from the fields above). */
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- names the expected values
  readonly reportedState?: BundleState | string | undefined;
  readonly resourceCounts: Readonly<ResourceCounts> | undefined;
  readonly nonReadyCount: number;
  readonly modifiedCount: number;
}

/** The Helm options that take part in per-cluster values templating (docs/fleet/targeting.md §4.8). */
export interface HelmTemplating {
  readonly values?: Readonly<Record<string, unknown>> | null;
  readonly templateValues?: Readonly<Record<string, string>> | null;
  readonly disablePreProcess?: boolean;
}

export interface ClusterRecord extends RecordMeta {
  readonly kind: 'Cluster';
  /**
   * Annotations Helm values templates can read (`.ClusterAnnotations`): all but
   * `kubectl.kubernetes.io/…` keys and keys containing `cattle.io/`, which Fleet drops.
   */
  readonly annotations?: Labels | undefined;
  /** `spec.templateValues` (`.ClusterValues` in Helm values templates). */
  readonly templateValues?: Readonly<Record<string, unknown>> | undefined;
  /** `status.namespace`: where this cluster's BundleDeployments live. Unset until agent management ran. */
  readonly clusterNamespace?: string | undefined;
  readonly paused: boolean;
  readonly lastSeen?: string | undefined;
  readonly status: {
    readonly summary: Readonly<BundleSummary> | undefined;
    readonly display: Readonly<{ readyBundles?: string; state?: string }>;
    readonly conditions: readonly ConditionRecord[];
    readonly readyGitRepos: number;
    readonly desiredReadyGitRepos: number;
    readonly resourceCounts: Readonly<ResourceCounts> | undefined;
  };
}

export interface ClusterGroupRecord extends RecordMeta {
  readonly kind: 'ClusterGroup';
  /** `null` when the group has no selector (no members); `{}` selects every cluster in the namespace. */
  readonly selector: Readonly<LabelSelector> | null;
  readonly status: {
    readonly clusterCount: number;
    readonly nonReadyClusterCount: number;
    readonly summary: Readonly<BundleSummary> | undefined;
    readonly display: Readonly<{ readyClusters?: string; readyBundles?: string; state?: string }>;
    readonly conditions: readonly ConditionRecord[];
  };
}

export interface BundleNamespaceMappingRecord extends RecordMeta {
  readonly kind: 'BundleNamespaceMapping';
  readonly bundleSelector: Readonly<LabelSelector> | null;
  readonly namespaceSelector: Readonly<LabelSelector> | null;
}

export interface NamespaceRecord extends RecordMeta {
  readonly kind: 'Namespace';
}

/** A GitRepoRestriction (docs/fleet/objects.md §2.9): its fields are top-level, like Fleet's. */
export interface GitRepoRestrictionRecord extends RecordMeta {
  readonly kind: 'GitRepoRestriction';
  readonly defaultServiceAccount: string;
  readonly allowedServiceAccounts: readonly string[];
  readonly allowedRepoPatterns: readonly string[];
  readonly defaultClientSecretName: string;
  readonly allowedClientSecretNames: readonly string[];
  readonly allowedTargetNamespaces: readonly string[];
}

export type FleetRecord =
  | GitRepoRecord
  | HelmOpRecord
  | BundleRecord
  | BundleDeploymentRecord
  | ClusterRecord
  | ClusterGroupRecord
  | BundleNamespaceMappingRecord
  | GitRepoRestrictionRecord
  | NamespaceRecord;

export type RecordKind = FleetRecord['kind'];

export type RecordOf<K extends RecordKind> = Extract<FleetRecord, { kind: K }>;

/**
 * One consistent, immutable view of the store. Every query resolves against one snapshot.
 * Lookups by index return records in a stable order (by key).
 */
export interface Snapshot {
  /** Monotonic store revision: the count of changes applied so far. */
  readonly revision: number;
  /** When the snapshot was taken (gateway clock, ms since epoch). */
  readonly takenAt: number;
  get<K extends RecordKind>(kind: K, key: string): RecordOf<K> | undefined;
  list<K extends RecordKind>(kind: K, namespace?: string): readonly RecordOf<K>[];
  /** BundleDeployments of a Bundle (`bundle-namespace` + `bundle-name` labels). */
  deploymentsOfBundle(bundleNamespace: string, bundleName: string): readonly BundleDeploymentRecord[];
  /** BundleDeployments of a GitRepo (`bundle-namespace` + `repo-name` labels), as Fleet's status controller selects them. */
  deploymentsOfGitRepo(namespace: string, name: string): readonly BundleDeploymentRecord[];
  /** BundleDeployments of a HelmOp (`bundle-namespace` + `fleet-helm-name` labels). */
  deploymentsOfHelmOp(namespace: string, name: string): readonly BundleDeploymentRecord[];
  /** BundleDeployments in one per-cluster namespace (`Cluster.status.namespace`). */
  deploymentsInNamespace(clusterNamespace: string): readonly BundleDeploymentRecord[];
  /** Bundles with `fleet.cattle.io/repo-name=<name>` in the GitRepo's namespace. */
  bundlesOfGitRepo(namespace: string, name: string): readonly BundleRecord[];
  bundlesOfHelmOp(namespace: string, name: string): readonly BundleRecord[];
  /** The Cluster whose `status.namespace` is this namespace. */
  clusterByClusterNamespace(clusterNamespace: string): ClusterRecord | undefined;
  /** Namespaces that hold any Fleet object, sorted: the workspaces. */
  workspaces(): readonly string[];
}
