/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Which BundleDeployment events to receive; all given criteria must hold. Each is matched against the deployment in the event (its last known state for REMOVED), by the labels Fleet puts on every BundleDeployment, so every criterion selects every event type alike. Names are names within a workspace: without `workspace`, a name matches in every workspace the caller may read. */
export type BundleDeploymentEventFilter = {
  /** Only deployments of the Bundle with this name (their `fleet.cattle.io/bundle-name` label). */
  bundle?: string | null | undefined;
  /** Only deployments to the Cluster with this name (their `fleet.cattle.io/cluster` label). */
  cluster?: string | null | undefined;
  /** Only deployments to clusters this ClusterGroup (in `workspace`, else in the cluster's workspace) selects at the time of the event; a deleted cluster counts as last seen. A deployment removed because its cluster left the group no longer matches: filter its removal by `cluster` or `gitRepo` instead. */
  clusterGroup?: string | null | undefined;
  /** Only deployments of the GitRepo with this name (their `fleet.cattle.io/repo-name` label): deployments of hand-made Bundles and HelmOps never match. */
  gitRepo?: string | null | undefined;
  /** Only events whose deployment is in one of these states after the change (last known, for removals). */
  states?: Array<BundleState> | null | undefined;
  /** Only these event types. RESYNC_REQUIRED is always delivered. */
  types?: Array<BundleDeploymentEventType> | null | undefined;
  /** The workspace: the Bundle's namespace (the deployment's `fleet.cattle.io/bundle-namespace` label). */
  workspace?: string | null | undefined;
};

/** What happened to a BundleDeployment. */
export type BundleDeploymentEventType =
  /** The BundleDeployment was created (or first seen after a relist). */
  | 'ADDED'
  /** A status event: the watches behind this stream turned stale (events may be late; `freshness` says since when) or recovered. No deployment changed; its cursor is that of the last event. Always delivered, whatever the filter. */
  | 'FRESHNESS_CHANGED'
  /** It is gone from the API server; `removal` says why and how long the cleanup took. */
  | 'REMOVED'
  /** Events may be missing, so query the current state again; live events follow. Sent when the `after` cursor is older than the replay buffer, comes from before the API server's history was replaced, or names a change this replica holds otherwise; and to every subscriber when the history is replaced (a new API server or a restored etcd on the same address). */
  | 'RESYNC_REQUIRED'
  /** It was deleted and finalizers hold it: `metadata.deletionTimestamp` is set. */
  | 'TERMINATING'
  /** Its state or status changed. */
  | 'UPDATED';

/** A BundleDeployment's state as Fleet derives it, best first. */
export type BundleState =
  /** The agent failed to apply the deployment, or a dependency blocks it (Fleet `ErrApplied`). */
  | 'ERR_APPLIED'
  /** Deployed resources were changed, added or removed outside Fleet (Fleet `Modified`). */
  | 'MODIFIED'
  /** Deployed, but some resources are not ready yet (Fleet `NotReady`). */
  | 'NOT_READY'
  /** A newer deployment is staged but not yet promoted, e.g. while paused (Fleet `OutOfSync`). */
  | 'OUT_OF_SYNC'
  /** Targeted, but no BundleDeployment exists for the cluster yet (Fleet `Pending`). */
  | 'PENDING'
  /** Deployed and every resource is ready (Fleet `Ready`). */
  | 'READY'
  /** Waiting for the agent to apply the desired deployment (Fleet `WaitApplied`). */
  | 'WAIT_APPLIED';

/** One GitRepo target, as in `GitRepo.spec.targets`. The criteria are ANDed; an entry with none selects nothing. */
export type GitTargetInput = {
  /** Select the members of this ClusterGroup. */
  clusterGroup?: string | null | undefined;
  /** Select the members of ClusterGroups whose labels match. */
  clusterGroupSelector?: LabelSelectorInput | null | undefined;
  /** Select the cluster with this name. */
  clusterName?: string | null | undefined;
  /** Select clusters by label. */
  clusterSelector?: LabelSelectorInput | null | undefined;
  /** Name of the target. */
  name?: string | null | undefined;
};

/** One label, key and value; in a selector, a label the object must carry with exactly this value. */
export type LabelInput = {
  /** Label key, e.g. `env` or `example.com/team`. */
  key: string;
  /** The value; may be empty. */
  value: string;
};

/** A Kubernetes label selector. All entries must hold; an empty selector matches everything. */
export type LabelSelectorInput = {
  /** Requirements on labels. */
  matchExpressions?: Array<LabelSelectorRequirementInput> | null | undefined;
  /** Labels that must be present with exactly these values. */
  matchLabels?: Array<LabelInput> | null | undefined;
};

/** One `matchExpressions` entry. */
export type LabelSelectorRequirementInput = {
  /** Label key the requirement is about. */
  key: string;
  /** How to compare. */
  operator: SelectorOperator;
  /** Values for IN and NOT_IN (at least one); must be empty for EXISTS and DOES_NOT_EXIST. */
  values?: Array<string> | null | undefined;
};

/** What a retarget deletes besides what Fleet deletes itself. */
export type PruneMode =
  /** BundleDeployments whose Bundle's current targets no longer select their cluster (what Fleet before v0.12.3 left behind), once the Bundles carry the new targets. */
  | 'ORPHANS';

/** Why a BundleDeployment was removed. */
export type RemovalReason =
  /** Its Bundle was deleted, and Fleet deletes all of the Bundle's BundleDeployments with it. */
  | 'BUNDLE_DELETED'
  /** Its Cluster was deleted, and its namespace with it. */
  | 'CLUSTER_DELETED'
  /** The GitRepo its Bundle came from was deleted (the cascade GitRepo → Bundles → BundleDeployments). */
  | 'GITREPO_DELETED'
  /** Its Bundle still exists but the Bundle's current targets no longer select its cluster, which makes it an orphan that Fleet deletes. */
  | 'TARGET_REMOVED'
  /** None of the above is visible: someone or something else deleted it. */
  | 'UNKNOWN';

/** Replace a GitRepo's `spec.targets`, safely. */
export type RetargetGitRepoInput = {
  /** Return the plan and write nothing. */
  dryRun?: boolean | null | undefined;
  /** Write only if the GitRepo is still at this resourceVersion (else CONFLICT, nothing written). */
  expectedResourceVersion?: string | null | undefined;
  /** Name of the GitRepo. */
  name: string;
  /** Namespace (workspace) of the GitRepo. */
  namespace: string;
  /** Also delete orphans once Fleet caught up. */
  prune?: PruneMode | null | undefined;
  /** Apply in steps. */
  strategy?: RetargetStrategyInput | null | undefined;
  /** The new targets (not empty: an empty list would silently mean the `default` group). */
  targets: Array<GitTargetInput>;
};

/** Where a staged retarget is. */
export type RetargetOperationState =
  /** Stopped by `cancelRetarget`; targets stay those of the last applied step. */
  | 'CANCELLED'
  /** Stopped on a failure (see `failures` and `message`); targets stay those of the last applied step. */
  | 'FAILED'
  /** Steps are being applied. */
  | 'RUNNING'
  /** Every step converged; the GitRepo has the requested targets. */
  | 'SUCCEEDED';

/** Apply a retarget in steps, each an explicit target list, waiting for each to converge. */
export type RetargetStrategyInput = {
  /** Stop when a deployment is ErrApplied or not Ready within `stepTimeout` (default true). */
  abortOnFailure?: boolean | null | undefined;
  /** Clusters added or removed per step (at least 1). */
  batchSize: number;
  /** Seconds to wait after a step converged (default 0). */
  pauseBetween?: number | null | undefined;
  /** Seconds a step may take to converge (default 600). */
  stepTimeout?: number | null | undefined;
  /** Wait until added BundleDeployments are Ready, not only created (default true). */
  waitForReady?: boolean | null | undefined;
};

/** How a label selector requirement compares a label with its values. */
export type SelectorOperator =
  /** The label is absent (no `values`). */
  | 'DOES_NOT_EXIST'
  /** The label is present (no `values`). */
  | 'EXISTS'
  /** The label is present and its value is one of `values`. */
  | 'IN'
  /** The label is absent, or its value is none of `values`. */
  | 'NOT_IN';

/** Why a mutation did not (fully) do what was asked. Stable: automation may branch on it. */
export type UserErrorCode =
  /** The object changed since `expectedResourceVersion` (or an operation is already running); nothing was written. */
  | 'CONFLICT'
  /** The caller may not do this. */
  | 'FORBIDDEN'
  /** Another input is invalid (strategy values, names, paths). */
  | 'INVALID_ARGUMENT'
  /** A target is invalid (selector syntax, names, duplicates, an empty list). */
  | 'INVALID_TARGET'
  /** The GitRepo (or operation) does not exist. */
  | 'NOT_FOUND'
  /** A GitRepoRestriction of the namespace refuses the GitRepo as it would be after the write (target namespace, service account, repo URL or client secret outside its allow-lists): Fleet would set `Accepted=False` and write no Bundles for it; nothing was written. */
  | 'RESTRICTED'
  /** The write was made but did not come back through the watch in time. */
  | 'TIMEOUT'
  /** The Kubernetes API could not be reached or failed. */
  | 'UNAVAILABLE';

export type BundleDeploymentEventsSubscriptionVariables = Exact<{
  filter?: BundleDeploymentEventFilter | null | undefined;
  after?: string | null | undefined;
}>;


export type BundleDeploymentEventsSubscription = { bundleDeploymentEvents: { type: BundleDeploymentEventType, cursor: string, observedAt: string, state: BundleState | null, previousState: BundleState | null, bundleDeployment: { name: string, namespace: string } | null, removal: { reason: RemovalReason, orphanedSince: string, cleanupLatencyMs: number } | null } };

export type GitRepoTargetsQueryVariables = Exact<{
  namespace: string;
  name: string;
}>;


export type GitRepoTargetsQuery = { gitRepo: { name: string, namespace: string, resourceVersion: string, targets: Array<{ name: string | null, clusterName: string | null, clusterGroup: string | null }> } | null };

export type StaleDeploymentsQueryVariables = Exact<{
  workspace: string;
  gitRepo: string;
}>;


export type StaleDeploymentsQuery = { inconsistencies: { totalCount: number } };

export type RetargetGitRepoMutationVariables = Exact<{
  input: RetargetGitRepoInput;
}>;


export type RetargetGitRepoMutation = { retargetGitRepo: { dryRun: boolean, userErrors: Array<{ code: UserErrorCode, field: string | null, message: string }>, plan: { noChange: boolean, warnings: Array<string>, addedClusters: Array<{ name: string }>, removedClusters: Array<{ name: string }>, unchangedClusters: Array<{ name: string }> } | null, operation: { id: string, state: RetargetOperationState } | null, gitRepo: { resourceVersion: string, targets: Array<{ name: string | null }> } | null } };

export type RetargetProgressSubscriptionVariables = Exact<{
  operationId: string | number;
}>;


export type RetargetProgressSubscription = { retargetProgress: { finished: boolean, converged: boolean, pendingAdditions: Array<string>, pendingRemovals: Array<string>, operation: { state: RetargetOperationState, message: string | null } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const BundleDeploymentEventsDocument = new TypedDocumentString(`
    subscription BundleDeploymentEvents($filter: BundleDeploymentEventFilter, $after: String) {
  bundleDeploymentEvents(filter: $filter, after: $after) {
    type
    cursor
    observedAt
    state
    previousState
    bundleDeployment {
      name
      namespace
    }
    removal {
      reason
      orphanedSince
      cleanupLatencyMs
    }
  }
}
    `) as unknown as TypedDocumentString<BundleDeploymentEventsSubscription, BundleDeploymentEventsSubscriptionVariables>;
export const GitRepoTargetsDocument = new TypedDocumentString(`
    query GitRepoTargets($namespace: String!, $name: String!) {
  gitRepo(namespace: $namespace, name: $name) {
    name
    namespace
    resourceVersion
    targets {
      name
      clusterName
      clusterGroup
    }
  }
}
    `) as unknown as TypedDocumentString<GitRepoTargetsQuery, GitRepoTargetsQueryVariables>;
export const StaleDeploymentsDocument = new TypedDocumentString(`
    query StaleDeployments($workspace: String!, $gitRepo: String!) {
  inconsistencies(
    workspace: $workspace
    gitRepo: $gitRepo
    kinds: [STALE_DEPLOYMENT]
  ) {
    totalCount
  }
}
    `) as unknown as TypedDocumentString<StaleDeploymentsQuery, StaleDeploymentsQueryVariables>;
export const RetargetGitRepoDocument = new TypedDocumentString(`
    mutation RetargetGitRepo($input: RetargetGitRepoInput!) {
  retargetGitRepo(input: $input) {
    dryRun
    userErrors {
      code
      field
      message
    }
    plan {
      noChange
      warnings
      addedClusters {
        name
      }
      removedClusters {
        name
      }
      unchangedClusters {
        name
      }
    }
    operation {
      id
      state
    }
    gitRepo {
      resourceVersion
      targets {
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<RetargetGitRepoMutation, RetargetGitRepoMutationVariables>;
export const RetargetProgressDocument = new TypedDocumentString(`
    subscription RetargetProgress($operationId: ID!) {
  retargetProgress(operationId: $operationId) {
    finished
    converged
    pendingAdditions
    pendingRemovals
    operation {
      state
      message
    }
  }
}
    `) as unknown as TypedDocumentString<RetargetProgressSubscription, RetargetProgressSubscriptionVariables>;