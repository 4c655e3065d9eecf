/**
 * Fleet's custom resources, `fleet.cattle.io/v1alpha1`, as TypeScript types (docs/fleet/objects.md §2).
 * Fields the project does not use are left out; unknown fields pass through untouched.
 */
import type { KubeObject } from './kube.js';
import type { LabelSelector } from './selector.js';

/** wrangler's generic condition: every field is a string. */
export interface Condition {
  type: string;
  /** `True`, `False` or `Unknown`. */
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

/** Fleet's state strings (docs/fleet/state.md §5.1), from best to worst rank. */
export type BundleState =
  'Ready' | 'NotReady' | 'WaitApplied' | 'ErrApplied' | 'OutOfSync' | 'Pending' | 'Modified';

export interface NonReadyResource {
  name?: string;
  bundleState?: BundleState;
  message?: string;
  modifiedStatus?: ModifiedStatus[];
  nonReadyStatus?: NonReadyStatus[];
}

export interface BundleSummary {
  notReady?: number;
  waitApplied?: number;
  errApplied?: number;
  outOfSync?: number;
  modified?: number;
  pending?: number;
  ready: number;
  desiredReady: number;
  nonReadyResources?: NonReadyResource[];
}

export interface ResourceCounts {
  ready: number;
  desiredReady: number;
  waitApplied: number;
  modified: number;
  orphaned: number;
  missing: number;
  unknown: number;
  notReady: number;
}

export interface ModifiedStatus {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  missing?: boolean;
  exist?: boolean;
  delete?: boolean;
  patch?: string;
}

export interface NonReadyStatus {
  uid?: string;
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  summary?: { state?: string; error?: boolean; transitioning?: boolean; message?: string[] };
}

export interface StatusDisplay {
  readyBundleDeployments?: string;
  state?: string;
  message?: string;
  error?: boolean;
}

/** The status block GitRepo and HelmOp share (docs/fleet/objects.md §2.1). */
export interface StatusBase {
  readyClusters?: number;
  desiredReadyClusters?: number;
  summary?: BundleSummary;
  display?: StatusDisplay;
  conditions?: Condition[];
  resourceCounts?: ResourceCounts;
  perClusterResourceCounts?: Record<string, ResourceCounts>;
}

/** The criteria shared by GitTarget, BundleTarget, restrictions and partitions (docs/fleet/targeting.md §4.3). */
export interface TargetCriteria {
  name?: string;
  clusterName?: string;
  clusterSelector?: LabelSelector | null;
  clusterGroup?: string;
  clusterGroupSelector?: LabelSelector | null;
}

/** A GitRepo target has exactly these five fields, and no `doNotDeploy` (docs/fleet/objects.md §2.2). */
export type GitTarget = TargetCriteria;

export interface GitRepoSpec {
  repo: string;
  branch?: string;
  revision?: string;
  paths?: string[];
  targetNamespace?: string;
  serviceAccount?: string;
  targets?: GitTarget[];
  paused?: boolean;
  forceSyncGeneration?: number;
  keepResources?: boolean;
  deleteNamespace?: boolean;
  pollingInterval?: string;
  disablePolling?: boolean;
  clientSecretName?: string;
}

export interface GitRepoStatus extends StatusBase {
  observedGeneration?: number;
  updateGeneration?: number;
  commit?: string;
  gitJobStatus?: string;
  lastPollingTriggered?: string;
}

export interface GitRepo extends KubeObject {
  spec: GitRepoSpec;
  status?: GitRepoStatus;
}

export interface BundleDeploymentOptions {
  defaultNamespace?: string;
  namespace?: string;
  serviceAccount?: string;
  forceSyncGeneration?: number;
  keepResources?: boolean;
  deleteNamespace?: boolean;
  helm?: Record<string, unknown>;
  kustomize?: { dir?: string };
  yaml?: { overlays?: string[] };
  diff?: unknown;
  correctDrift?: { enabled?: boolean; force?: boolean; keepFailHistory?: boolean };
  namespaceLabels?: Record<string, string>;
  namespaceAnnotations?: Record<string, string>;
}

export interface BundleTarget extends TargetCriteria, BundleDeploymentOptions {
  doNotDeploy?: boolean;
}

export interface BundleDependsOn {
  name?: string;
  selector?: LabelSelector | null;
  acceptedStates?: BundleState[];
}

export interface RolloutStrategy {
  maxUnavailable?: number | string;
  maxUnavailablePartitions?: number | string;
  autoPartitionSize?: number | string;
  autoPartitionThreshold?: number;
  maxNew?: number;
  partitions?: (TargetCriteria & { maxUnavailable?: number | string })[];
}

export interface BundleResource {
  name?: string;
  content?: string;
  encoding?: string;
}

export interface BundleSpec extends BundleDeploymentOptions {
  paused?: boolean;
  rolloutStrategy?: RolloutStrategy;
  resources?: BundleResource[];
  targetCustomizationMode?: 'FirstMatch' | 'AllMatches';
  targets?: BundleTarget[];
  targetRestrictions?: TargetCriteria[];
  dependsOn?: BundleDependsOn[];
  contentsId?: string;
  valuesHash?: string;
}

export interface PartitionStatus {
  name?: string;
  count?: number;
  maxUnavailable?: number;
  unavailable?: number;
  summary?: BundleSummary;
}

export interface BundleStatus {
  conditions?: Condition[];
  summary?: BundleSummary;
  newlyCreated?: number;
  unavailable?: number;
  unavailablePartitions?: number;
  maxUnavailable?: number;
  maxUnavailablePartitions?: number;
  maxNew?: number;
  partitions?: PartitionStatus[];
  display?: { readyClusters?: string; state?: string };
  resourcesSha256Sum?: string;
  observedGeneration?: number;
}

export interface Bundle extends KubeObject {
  spec: BundleSpec;
  status?: BundleStatus;
}

export interface BundleDeploymentSpec {
  paused?: boolean;
  stagedOptions?: BundleDeploymentOptions;
  stagedDeploymentID?: string;
  options?: BundleDeploymentOptions;
  deploymentID?: string;
  dependsOn?: BundleDependsOn[];
  correctDrift?: { enabled?: boolean; force?: boolean; keepFailHistory?: boolean };
  ociContents?: boolean;
  valuesHash?: string;
  offSchedule?: boolean;
  waitingForValues?: boolean;
}

export interface BundleDeploymentStatus {
  conditions?: Condition[];
  appliedDeploymentID?: string;
  release?: string;
  ready?: boolean;
  nonModified?: boolean;
  nonReadyStatus?: NonReadyStatus[];
  modifiedStatus?: ModifiedStatus[];
  incompleteState?: boolean;
  display?: { deployed?: string; monitored?: string; state?: string };
  syncGeneration?: number;
  resources?: { kind?: string; apiVersion?: string; namespace?: string; name?: string; createdAt?: string }[];
  resourceCounts?: ResourceCounts;
}

export interface BundleDeployment extends KubeObject {
  spec: BundleDeploymentSpec;
  status?: BundleDeploymentStatus;
}

export interface ClusterSpec {
  paused?: boolean;
  clientID?: string;
  kubeConfigSecret?: string;
  agentNamespace?: string;
  templateValues?: Record<string, unknown>;
}

export interface ClusterStatus {
  conditions?: Condition[];
  namespace?: string;
  summary?: BundleSummary;
  resourceCounts?: ResourceCounts;
  readyGitRepos?: number;
  desiredReadyGitRepos?: number;
  readyHelmOps?: number;
  desiredReadyHelmOps?: number;
  display?: { readyBundles?: string; state?: string };
  agent?: { lastSeen?: string; namespace?: string };
  scheduled?: boolean;
  activeSchedule?: boolean;
}

export interface Cluster extends KubeObject {
  spec: ClusterSpec;
  status?: ClusterStatus;
}

export interface ClusterGroup extends KubeObject {
  spec: { selector?: LabelSelector | null };
  status?: {
    clusterCount?: number;
    nonReadyClusterCount?: number;
    nonReadyClusters?: string[];
    conditions?: Condition[];
    summary?: BundleSummary;
    display?: { readyClusters?: string; readyBundles?: string; state?: string };
    resourceCounts?: ResourceCounts;
  };
}

export interface HelmOp extends KubeObject {
  spec: BundleSpec & {
    labels?: Record<string, string>;
    pollingInterval?: string;
    helmSecretName?: string;
    insecureSkipTLSVerify?: boolean;
  };
  status?: StatusBase & { lastPollingTriggered?: string; version?: string };
}

/** Top-level fields only, no spec (docs/fleet/objects.md §2.9). */
export interface BundleNamespaceMapping extends KubeObject {
  bundleSelector?: LabelSelector | null;
  namespaceSelector?: LabelSelector | null;
}

export interface GitRepoRestriction extends KubeObject {
  defaultServiceAccount?: string;
  allowedServiceAccounts?: string[];
  allowedRepoPatterns?: string[];
  defaultClientSecretName?: string;
  allowedClientSecretNames?: string[];
  allowedTargetNamespaces?: string[];
  allowedTargetNamespaceSelector?: LabelSelector | null;
}

export interface Namespace extends KubeObject {
  status?: { phase?: string };
}
