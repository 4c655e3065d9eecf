/**
 * What kube/ hands to the layer above: the kinds it watches, and the sink interface that receives
 * watch events and relists. kube/ knows kinds and the Kubernetes watch protocol, not Fleet rules.
 */
import type { ResourceType } from '../../apis/gvr.js';
import {
  BUNDLE_DEPLOYMENTS,
  BUNDLE_NAMESPACE_MAPPINGS,
  BUNDLES,
  CLUSTER_GROUPS,
  CLUSTERS,
  GITREPO_RESTRICTIONS,
  GITREPOS,
  HELMOPS,
  NAMESPACES,
} from '../../apis/gvr.js';
import type { KubeObject } from '../../apis/kube.js';

/** The kinds the gateway watches. Same spelling as the store's record kinds. */
export type WatchKind =
  | 'GitRepo'
  | 'HelmOp'
  | 'Bundle'
  | 'BundleDeployment'
  | 'Cluster'
  | 'ClusterGroup'
  | 'BundleNamespaceMapping'
  | 'GitRepoRestriction'
  | 'Namespace';

export const WATCH_TYPES: Readonly<Record<WatchKind, ResourceType>> = {
  GitRepo: GITREPOS,
  HelmOp: HELMOPS,
  Bundle: BUNDLES,
  BundleDeployment: BUNDLE_DEPLOYMENTS,
  Cluster: CLUSTERS,
  ClusterGroup: CLUSTER_GROUPS,
  BundleNamespaceMapping: BUNDLE_NAMESPACE_MAPPINGS,
  GitRepoRestriction: GITREPO_RESTRICTIONS,
  Namespace: NAMESPACES,
};

/**
 * Start order: Clusters and groups first so that by the time deployments arrive the joins they
 * feed (cluster by `status.namespace`) are already there. Order does not matter for correctness.
 */
export const WATCH_KINDS: readonly WatchKind[] = [
  'Namespace',
  'Cluster',
  'ClusterGroup',
  'BundleNamespaceMapping',
  'GitRepoRestriction',
  'GitRepo',
  'HelmOp',
  'Bundle',
  'BundleDeployment',
];

/** The event types that change the cache. BOOKMARK and ERROR never reach a sink. */
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A relist in progress for one watch scope: upsert every listed object, then finish. */
export interface RelistSession {
  /** One object of the list (any page). `adopt`: as in {@link WatchSink.apply}. */
  upsert(obj: KubeObject, adopt?: boolean): void;
  /**
   * The list is complete: whatever the sink holds in this scope that was not upserted is gone and
   * gets a synthetic DELETED (client-go's `Replace`, done as a diff).
   */
  finish(resourceVersion: string): void;
}

/** Where a reflector delivers what it sees. Calls are synchronous and in watch order. */
export interface WatchSink {
  /**
   * One watch event. `adopt`: the caller hands `obj` over and will not touch it again, so the sink
   * may keep (and freeze) parts of it instead of copying (reflectors own what they parsed).
   */
  apply(
    kind: WatchKind,
    type: ChangeType,
    obj: KubeObject,
    meta: { readonly viaRelist: boolean; readonly adopt?: boolean },
  ): void;
  /**
   * Starts a relist of one scope: a namespace, or `undefined` for all namespaces (and for
   * cluster-scoped kinds).
   */
  beginRelist(kind: WatchKind, namespace: string | undefined): RelistSession;
  /**
   * The uid the sink holds for a key, if any: a watch event for a known key with another uid means
   * the server's history is not the one the sink was built from, and the reflector relists.
   */
  knownUid?(kind: WatchKind, key: string): string | undefined;
  /**
   * The relist about to start replaces a history the sink was built from (a new API server or a
   * restored etcd on the same address): positions derived from the old resourceVersions mean
   * nothing in the new one. Called before the relist's first upsert.
   */
  historyReplaced?(kind: WatchKind, namespace: string | undefined): void;
}

/** The reflector's state machine (docs/libraries.md §1.5 point 6). */
export type ReflectorState = 'stopped' | 'listing' | 'watching' | 'backoff';

/** Counters for watch health metrics. */
export interface ReflectorStats {
  readonly kind: WatchKind;
  /** The namespace watched, or undefined for all namespaces. */
  readonly namespace: string | undefined;
  /** The label selector of this scope, if any. */
  readonly labelSelector: string | undefined;
  readonly state: ReflectorState;
  readonly synced: boolean;
  /** The resourceVersion the next watch resumes from; undefined means the next step is a list. */
  readonly resourceVersion: string | undefined;
  /** Completed lists, the first included. */
  readonly lists: number;
  /** Lists forced by 410 Gone after the first one. */
  readonly relists: number;
  /** Watch connections opened after the first one (resumes, reconnects). */
  readonly restarts: number;
  /** Errors by reason, e.g. `watch_http_500`, `list_network`, `watchdog`. */
  readonly errors: Readonly<Record<string, number>>;
  /** Wall-clock ms of the last line received (event or bookmark), or of the last list. */
  readonly lastEventAt: number | undefined;
  /** Objects in this scope as of the last list plus watch adds and deletes. */
  readonly objects: number;
  /**
   * Wall-clock ms since which this scope has not been healthy (failing, waiting to relist,
   * relisting after trouble, or a resumed watch not yet confirmed); undefined while healthy and
   * before the first list.
   */
  readonly troubleSince?: number | undefined;
  /**
   * Wall-clock ms since which a progress probe has seen the API server ahead of this scope's
   * watch, beyond the probe's grace (a silent or slow watch); undefined while it keeps up.
   */
  readonly laggingSince?: number | undefined;
  /** Progress probes sent (consistent LISTs with `limit=1`). */
  readonly probes?: number | undefined;
}
