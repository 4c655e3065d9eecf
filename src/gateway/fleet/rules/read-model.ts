/**
 * The read model: what the GraphQL layer asks of Fleet's state. One ReadModel wraps one store
 * snapshot (one consistent view per operation) plus the consistency tracker (which remembers when
 * each finding was first seen). Resolvers are one-liners over this interface.
 *
 * This file is the contract between fleet/ (which implements it with pure Fleet rules) and
 * graphql/ (which serves it). graphql/ imports records through here, never from store/.
 */
import type {
  BundleDependsOn,
  BundleState,
  BundleSummary,
  GitTarget,
  ResourceCounts,
} from '../../../apis/fleet.js';
import type {
  BundleDeploymentRecord,
  BundleRecord,
  ClusterGroupRecord,
  ClusterRecord,
  GitRepoRecord,
  HelmOpRecord,
  Snapshot,
} from '../../store/records.js';

export type {
  BundleDeploymentRecord,
  BundleNamespaceMappingRecord,
  BundleRecord,
  ClusterGroupRecord,
  ClusterRecord,
  ConditionRecord,
  FleetRecord,
  GitRepoRecord,
  HelmOpRecord,
  RecordKind,
  Snapshot,
} from '../../store/records.js';

/** The GitRepo a preview is for: its name and labels decide which BundleNamespaceMappings export it. */
export interface PreviewGitRepo {
  /** Its name, which every Bundle carries as the `fleet.cattle.io/repo-name` label. */
  readonly name?: string | undefined;
  /** Its labels, which every Bundle inherits. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

/** Filters shared by list fields. All given filters must hold. */
export interface ListFilter {
  /** The namespace (Fleet workspace) the objects live in. */
  readonly workspace?: string | undefined;
  /** Exact object name. */
  readonly name?: string | undefined;
  /** A Kubernetes label selector in string form (`env=prod,region in (eu,us)`). */
  readonly labelSelector?: string | undefined;
}

export interface BundleDeploymentFilter extends ListFilter {
  /** Derived states (docs/fleet/state.md §5.1) to keep. */
  readonly states?: readonly BundleState[] | undefined;
  /** Cluster name (with `workspace` as the cluster's namespace when given). */
  readonly cluster?: string | undefined;
  readonly bundle?: string | undefined;
  readonly gitRepo?: string | undefined;
}

/** Why a cluster is, or is not, selected by a bundle's targets (docs/fleet/targeting.md §4.3–4.5). */
export interface TargetMatch {
  readonly matched: boolean;
  /** Index and name of the deployment target that matched (first winning target, docs/fleet/targeting.md §4.5). */
  readonly targetIndex?: number | undefined;
  readonly targetName?: string | undefined;
  /** The group that matched, only when the matching target has a clusterGroup/clusterGroupSelector criterion. */
  readonly clusterGroup?: string | undefined;
  /** The customization whose options applied, if any. */
  readonly customizationIndex?: number | undefined;
  readonly customizationName?: string | undefined;
  /** Every customization that applied, in order (more than one only with `AllMatches`). */
  readonly customizationIndexes?: readonly number[] | undefined;
  /** True when a `doNotDeploy` target or customization removed the cluster. */
  readonly doNotDeploy: boolean;
  /** One human-readable sentence: which target and group matched, or why none did. */
  readonly reason: string;
}

export interface TargetedCluster {
  readonly cluster: ClusterRecord;
  readonly match: TargetMatch;
  /** The BundleDeployment that exists for this cluster, or null (Pending). */
  readonly bundleDeployment: BundleDeploymentRecord | null;
  /** The derived state; PENDING when there is no BundleDeployment. */
  readonly state: BundleState;
}

/** GitRepo/HelmOp status numbers recomputed from the BundleDeployments that exist (docs/fleet/state.md §5.4). */
export interface RecomputedStatus {
  readonly summary: BundleSummary;
  readonly readyClusters: number;
  readonly desiredReadyClusters: number;
  readonly display: {
    readonly readyBundleDeployments: string;
    readonly state: string;
    readonly message: string;
    readonly error: boolean;
  };
  readonly resourceCounts: ResourceCounts;
}

export type InconsistencyKind = 'STALE_DEPLOYMENT' | 'MISSING_DEPLOYMENT' | 'STATUS_MISMATCH';

/**
 * Why a BundleDeployment is (or was) removed, or should be: its cluster is no longer targeted, its
 * Bundle, Cluster or GitRepo was deleted (docs/fleet/lifecycle.md §6.1–6.2), or none of these is visible.
 */
export type RemovalReason =
  'TARGET_REMOVED' | 'BUNDLE_DELETED' | 'CLUSTER_DELETED' | 'GITREPO_DELETED' | 'UNKNOWN';

/** Something Fleet's own status does not show: a deployment that should not exist, one that is
 * missing, or a reported status that disagrees with the deployments that exist. */
export interface Inconsistency {
  /** Stable across snapshots while the finding persists. */
  readonly id: string;
  readonly kind: InconsistencyKind;
  readonly workspace: string;
  readonly gitRepo?: { readonly namespace: string; readonly name: string } | undefined;
  readonly bundle?: { readonly namespace: string; readonly name: string } | undefined;
  readonly cluster?: { readonly namespace: string; readonly name: string } | undefined;
  readonly bundleDeployment?: { readonly namespace: string; readonly name: string } | undefined;
  /** For STALE_DEPLOYMENT: why the deployment should be gone (see `RemovalReason`). */
  readonly cause?: RemovalReason | undefined;
  /** For STATUS_MISMATCH: the status field that disagrees, with both values. */
  readonly field?: string | undefined;
  readonly reported?: string | undefined;
  readonly actual?: string | undefined;
  /** One sentence explaining the finding. */
  readonly reason: string;
  /** When the gateway first saw it (gateway clock, ms since epoch). */
  readonly firstSeenAt: number;
}

export interface InconsistencyFilter {
  readonly workspace?: string | undefined;
  readonly kinds?: readonly InconsistencyKind[] | undefined;
  readonly gitRepo?: string | undefined;
  readonly cluster?: string | undefined;
}

/** One `dependsOn` entry of a Bundle and the Bundles it resolves to in the same workspace. */
export interface BundleDependency {
  readonly requirement: BundleDependsOn;
  readonly acceptedStates: readonly BundleState[];
  readonly bundles: readonly BundleRecord[];
  /** Set when the requirement's selector is invalid (it then resolves to nothing). */
  readonly error?: string | undefined;
}

/** Why a deployment waits on its cluster (docs/fleet/objects.md §2.10). */
export interface DeploymentBlocker {
  readonly requirement: BundleDependsOn;
  readonly acceptedStates: readonly BundleState[];
  /** Deployments on the same cluster matching the requirement that are not in an accepted state. */
  readonly notReady: readonly BundleDeploymentRecord[];
  /** True when no deployment on that cluster matches the requirement at all. */
  readonly missing: boolean;
  readonly reason: string;
}

export interface PreviewedCluster {
  readonly cluster: ClusterRecord;
  readonly match: TargetMatch;
}

export interface ReadModel {
  readonly snapshot: Snapshot;
  /** Gateway clock at snapshot time, for ages. */
  readonly now: number;

  workspaces(): readonly string[];

  gitRepo(namespace: string, name: string): GitRepoRecord | undefined;
  gitRepos(filter?: ListFilter): readonly GitRepoRecord[];
  helmOp(namespace: string, name: string): HelmOpRecord | undefined;
  helmOps(filter?: ListFilter): readonly HelmOpRecord[];
  bundle(namespace: string, name: string): BundleRecord | undefined;
  bundles(
    filter?: ListFilter & { gitRepo?: string | undefined; includeAgentBundles?: boolean },
  ): readonly BundleRecord[];
  bundleDeployment(namespace: string, name: string): BundleDeploymentRecord | undefined;
  bundleDeployments(filter?: BundleDeploymentFilter): readonly BundleDeploymentRecord[];
  cluster(namespace: string, name: string): ClusterRecord | undefined;
  clusters(filter?: ListFilter): readonly ClusterRecord[];
  clusterGroup(namespace: string, name: string): ClusterGroupRecord | undefined;
  clusterGroups(filter?: ListFilter): readonly ClusterGroupRecord[];

  // Edges, both directions.
  bundlesOfGitRepo(repo: GitRepoRecord): readonly BundleRecord[];
  bundlesOfHelmOp(op: HelmOpRecord): readonly BundleRecord[];
  deploymentsOfGitRepo(repo: GitRepoRecord): readonly BundleDeploymentRecord[];
  deploymentsOfBundle(bundle: BundleRecord): readonly BundleDeploymentRecord[];
  deploymentsOfCluster(cluster: ClusterRecord): readonly BundleDeploymentRecord[];
  gitRepoOfBundle(bundle: BundleRecord): GitRepoRecord | undefined;
  helmOpOfBundle(bundle: BundleRecord): HelmOpRecord | undefined;
  bundleOfDeployment(bd: BundleDeploymentRecord): BundleRecord | undefined;
  clusterOfDeployment(bd: BundleDeploymentRecord): ClusterRecord | undefined;
  groupsOfCluster(cluster: ClusterRecord): readonly ClusterGroupRecord[];
  clustersOfGroup(group: ClusterGroupRecord): readonly ClusterRecord[];
  /** GitRepos with at least one Bundle whose targets select this cluster, with the match. */
  gitReposTargetingCluster(cluster: ClusterRecord): readonly { gitRepo: GitRepoRecord; match: TargetMatch }[];

  // Derived state.
  /** docs/fleet/state.md §5.1. */
  deploymentState(bd: BundleDeploymentRecord): BundleState;
  /** The clusters a Bundle's own targets select, each with its deployment or Pending. */
  targetedClusters(bundle: BundleRecord): readonly TargetedCluster[];
  /** GitRepo status recomputed from existing deployments, to set beside what Fleet reported. */
  recomputedGitRepoStatus(repo: GitRepoRecord): RecomputedStatus;
  recomputedHelmOpStatus(op: HelmOpRecord): RecomputedStatus;
  /** Bundle summary recomputed from its targets (docs/fleet/state.md §5.3). */
  recomputedBundleSummary(bundle: BundleRecord): BundleSummary;

  // Fleet's dependency graph between Bundles.
  dependsOn(bundle: BundleRecord): readonly BundleDependency[];
  dependents(bundle: BundleRecord): readonly BundleRecord[];
  /** Unmet dependencies of a deployment on its own cluster; empty when it is not blocked. */
  blockers(bd: BundleDeploymentRecord): readonly DeploymentBlocker[];
  /** Cycles through this bundle, each as the list of bundle keys; Fleet itself does not detect them. */
  dependencyCycles(bundle: BundleRecord): readonly (readonly string[])[];

  // Consistency.
  inconsistencies(filter?: InconsistencyFilter): readonly Inconsistency[];
  inconsistenciesOf(target: GitRepoRecord | BundleRecord | ClusterRecord): readonly Inconsistency[];

  /**
   * The clusters a GitRepo in `namespace` would reach with these targets, as Fleet would compute
   * them (docs/fleet/targeting.md §4.1: targets and restrictions from GitRepo targets; default target when empty).
   * Throws FleetGraphError INVALID_TARGET/INVALID_SELECTOR with field paths for invalid input.
   */
  previewTargets(
    namespace: string,
    targets: readonly GitTarget[],
    gitRepo?: PreviewGitRepo,
  ): readonly PreviewedCluster[];
}
