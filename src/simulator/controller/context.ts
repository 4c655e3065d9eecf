/**
 * What every simulated controller shares: the API client, one informer cache per kind, the clock,
 * the settings, and the faults injected through the in-process control handle.
 */
import type {
  Bundle,
  BundleDeployment,
  BundleNamespaceMapping,
  Cluster,
  ClusterGroup,
  GitRepo,
  GitRepoRestriction,
  HelmOp,
  Namespace,
} from '../../apis/fleet.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { KubeClient } from './client.js';
import type { Informer } from './informer.js';

/** How the simulated Fleet behaves; every delay is in simulated milliseconds. */
export interface FleetSettings {
  /** `prompt`: the bundle reconcile prunes orphaned BDs (v0.12.3+). `legacy`: only the Cluster reconcile does (≤ v0.12.0). */
  readonly cleanup: 'prompt' | 'legacy';
  /** `agentCheckinInterval`; Fleet's default is 15 minutes (docs/fleet/state.md §5.5). */
  readonly checkInIntervalMs: number;
  /** The agent's first check-in after it starts (about 15 s in Fleet). */
  readonly firstCheckInDelayMs: number;
  /** How long a `fleet apply` job takes from a GitRepo change to updated Bundles. */
  readonly jobDelayMs: number;
  /** From a new deployment ID to the agent reporting it applied. */
  readonly applyDelayMs: number;
  /** From applied to ready (the BD shows NotReady meanwhile); 0 goes straight to Ready. */
  readonly readyDelayMs: number;
  /** From a BD's deletion to the agent's release uninstall. */
  readonly uninstallDelayMs: number;
  /** The GitRepo status controller's batching delay (3 s in Fleet, docs/fleet/state.md §5.4). */
  readonly gitRepoStatusDelayMs: number;
  /**
   * Coalescing of status-only work: Bundle, Cluster and ClusterGroup roll-ups triggered by
   * BundleDeployment or Cluster status changes wait this long so that a burst of agent reports
   * becomes one write. Spec, label and check-in events are handled at once.
   */
  readonly statusBatchMs: number;
  /** Keep a `fleet-agent-<cluster>` Bundle per cluster, as Fleet's agent management does (docs/fleet/operations.md §8.1). */
  readonly agentBundles: boolean;
}

export const DEFAULT_FLEET_SETTINGS: FleetSettings = {
  cleanup: 'prompt',
  checkInIntervalMs: 15 * 60_000,
  firstCheckInDelayMs: 15_000,
  jobDelayMs: 1_500,
  applyDelayMs: 1_000,
  readyDelayMs: 2_000,
  uninstallDelayMs: 1_000,
  gitRepoStatusDelayMs: 3_000,
  statusBatchMs: 500,
  agentBundles: true,
};

/** Faults the simulated agents can be told to show. */
export type FaultKind = 'ErrApplied' | 'NotReady' | 'Modified' | 'WaitApplied' | 'Offline';

export interface Fault {
  /** `<namespace>/<name>` of a Cluster; absent means every cluster. */
  readonly cluster?: string;
  /** `<namespace>/<name>` of a Bundle; absent means every bundle. */
  readonly bundle?: string;
  readonly fault: FaultKind;
}

export interface Caches {
  readonly namespaces: Informer<Namespace>;
  readonly clusters: Informer<Cluster>;
  readonly clusterGroups: Informer<ClusterGroup>;
  readonly mappings: Informer<BundleNamespaceMapping>;
  readonly gitRepos: Informer<GitRepo>;
  readonly restrictions: Informer<GitRepoRestriction>;
  readonly helmOps: Informer<HelmOp>;
  readonly bundles: Informer<Bundle>;
  readonly bundleDeployments: Informer<BundleDeployment>;
}

/** Secondary indexes every controller may use (set up by startFleet). */
export const BY_NAMESPACE = 'namespace';
/** BundleDeployments by `<bundle-namespace>/<bundle-name>` labels. */
export const BY_BUNDLE = 'bundle';
/** BundleDeployments and Bundles by `<bundle-namespace>/<repo-name>`. */
export const BY_REPO = 'repo';
/** BundleDeployments and Bundles by `<bundle-namespace>/<fleet-helm-name>`. */
export const BY_HELMOP = 'helmop';

export interface FleetContext {
  readonly client: KubeClient;
  readonly caches: Caches;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: FleetSettings;
  readonly faults: FaultRegistry;
}

/** The injected faults, consulted by the agents and the check-in loop. */
export class FaultRegistry {
  private faults: Fault[] = [];
  private readonly listeners: (() => void)[] = [];

  onChange(l: () => void): void {
    this.listeners.push(l);
  }

  add(f: Fault): void {
    this.faults.push(f);
    this.changed();
  }

  remove(pred: (f: Fault) => boolean): void {
    this.faults = this.faults.filter((f) => !pred(f));
    this.changed();
  }

  clear(): void {
    this.faults = [];
    this.changed();
  }

  list(): readonly Fault[] {
    return this.faults;
  }

  /** The faults that apply to a cluster and bundle. */
  for(cluster: string, bundle: string | undefined): FaultKind[] {
    return this.faults
      .filter((f) => (!f.cluster || f.cluster === cluster) && (!f.bundle || !bundle || f.bundle === bundle))
      .filter((f) => bundle !== undefined || !f.bundle)
      .map((f) => f.fault);
  }

  isOffline(cluster: string): boolean {
    return this.faults.some(
      (f) => f.fault === 'Offline' && !f.bundle && (!f.cluster || f.cluster === cluster),
    );
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
