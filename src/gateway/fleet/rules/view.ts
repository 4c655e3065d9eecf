/**
 * FleetView: Fleet's derived views over one snapshot, memoized for the snapshot's lifetime (one per
 * GraphQL operation, or one per consistency-tracker update). Every method is a pure function of
 * the snapshot; the memo only avoids recomputing group membership and targeting.
 */
import type { BundleState } from '../../../apis/fleet.js';
import type {
  BundleDeploymentRecord,
  BundleRecord,
  ClusterGroupRecord,
  ClusterRecord,
  GitRepoRecord,
  Labels,
  Snapshot,
} from '../../store/records.js';
import { candidateNamespaces, groupHasMember } from './groups.js';
import type { TargetMatch, TargetedCluster } from './read-model.js';
import { deploymentState } from './state.js';
import { BundleMatcher, bundleMatcher, isTargetingError } from './targeting.js';
import type { TargetingError, TargetingSpec } from './targeting.js';

const byClusterName = (a: TargetedCluster, b: TargetedCluster) =>
  a.cluster.name.localeCompare(b.cluster.name) || a.cluster.namespace.localeCompare(b.cluster.namespace);

/** Deployment states by record: records are immutable, so this never goes stale. */
const states = new WeakMap<BundleDeploymentRecord, BundleState>();

export function stateOf(bd: BundleDeploymentRecord): BundleState {
  let s = states.get(bd);
  if (s === undefined) states.set(bd, (s = deploymentState(bd)));
  return s;
}

export class FleetView {
  private readonly groupsMemo = new Map<string, readonly ClusterGroupRecord[]>();
  private readonly targetedMemo = new Map<string, readonly TargetedCluster[]>();
  private readonly candidatesMemo = new Map<string, readonly ClusterRecord[]>();
  private readonly candidateKeys = new Map<string, ReadonlySet<string>>();
  private readonly targetedNamespacesMemo = new Map<string, ReadonlySet<string>>();
  private gitReposByCluster: Map<string, { gitRepo: GitRepoRecord; match: TargetMatch }[]> | undefined;

  constructor(readonly snapshot: Snapshot) {}

  /** docs/fleet/targeting.md §4.2: the groups of the cluster's own namespace whose selector matches it. */
  groupsOf(cluster: ClusterRecord): readonly ClusterGroupRecord[] {
    let g = this.groupsMemo.get(cluster.key);
    if (!g) {
      g = this.snapshot.list('ClusterGroup', cluster.namespace).filter((grp) => groupHasMember(grp, cluster));
      this.groupsMemo.set(cluster.key, g);
    }
    return g;
  }

  /** docs/fleet/targeting.md §4.2: the clusters of the group's namespace its selector matches (null selector: none). */
  clustersOf(group: ClusterGroupRecord): readonly ClusterRecord[] {
    if (group.selector === null) return [];
    return this.snapshot.list('Cluster', group.namespace).filter((c) => groupHasMember(group, c));
  }

  /** docs/fleet/targeting.md §4.2: every Cluster in the bundle's candidate namespaces (own namespace plus mappings). */
  candidateClusters(bundle: { readonly namespace: string; readonly labels: Labels }, memoKey?: string) {
    const cached = memoKey === undefined ? undefined : this.candidatesMemo.get(memoKey);
    if (cached) return cached;
    const mappings = this.snapshot.list('BundleNamespaceMapping', bundle.namespace);
    const namespaces =
      mappings.length === 0
        ? [bundle.namespace]
        : candidateNamespaces(bundle, mappings, this.snapshot.list('Namespace'));
    const clusters = namespaces.flatMap((ns) => this.snapshot.list('Cluster', ns));
    if (memoKey !== undefined) this.candidatesMemo.set(memoKey, clusters);
    return clusters;
  }

  /** Is the cluster in one of the bundle's candidate namespaces (docs/fleet/targeting.md §4.2)? */
  isCandidate(bundle: BundleRecord, cluster: ClusterRecord): boolean {
    let set = this.candidateKeys.get(bundle.key);
    if (!set) {
      set = new Set(this.candidateClusters(bundle, `bundle:${bundle.key}`).map((c) => c.key));
      this.candidateKeys.set(bundle.key, set);
    }
    return set.has(cluster.key);
  }

  /** The bundle's targeting error (docs/fleet/targeting.md §4.3: an invalid selector in any target or restriction). */
  targetingError(bundle: BundleRecord): TargetingError | undefined {
    const m = bundleMatcher(bundle);
    return isTargetingError(m) ? m : undefined;
  }

  /** How this bundle's targets decide on this cluster (not considering candidate namespaces). */
  match(bundle: BundleRecord, cluster: ClusterRecord): TargetMatch {
    const m = bundleMatcher(bundle);
    if (isTargetingError(m))
      return { matched: false, doNotDeploy: false, reason: `The Bundle has a ${m.message}.` };
    return m.match(cluster, this.groupsOf(cluster));
  }

  /**
   * The clusters the bundle's own current targets select (docs/fleet/targeting.md §4.2–4.5), each paired with its BD by the
   * cluster's `status.namespace` (docs/fleet/targeting.md §4.6), or null (Pending) when there is none or the namespace is not
   * set yet. Sorted by cluster name (docs/fleet/targeting.md §4.6). Empty on a targeting error.
   */
  targetedClusters(bundle: BundleRecord): readonly TargetedCluster[] {
    const memo = this.targetedMemo.get(bundle.key);
    if (memo) return memo;
    const m = bundleMatcher(bundle);
    const result = isTargetingError(m) ? [] : this.matchAll(bundle, m);
    this.targetedMemo.set(bundle.key, result);
    return result;
  }

  /**
   * Does one of the bundle's targeted clusters have `namespace` as its `status.namespace`? That is
   * where Fleet keeps the target's BundleDeployment (docs/fleet/targeting.md §4.6).
   */
  targetsNamespace(bundle: BundleRecord, namespace: string): boolean {
    let set = this.targetedNamespacesMemo.get(bundle.key);
    if (!set) {
      set = new Set(this.targetedClusters(bundle).flatMap((t) => t.cluster.clusterNamespace ?? []));
      this.targetedNamespacesMemo.set(bundle.key, set);
    }
    return set.has(namespace);
  }

  private matchAll(bundle: BundleRecord, m: BundleMatcher): TargetedCluster[] {
    const bdsByNamespace = new Map<string, BundleDeploymentRecord>();
    for (const bd of this.snapshot.deploymentsOfBundle(bundle.namespace, bundle.name)) {
      bdsByNamespace.set(bd.namespace, bd);
    }
    const out: TargetedCluster[] = [];
    for (const cluster of this.candidateClusters(bundle, `bundle:${bundle.key}`)) {
      const match = m.matchIfDeployed(cluster, this.groupsOf(cluster));
      if (!match) continue;
      const bd = cluster.clusterNamespace ? (bdsByNamespace.get(cluster.clusterNamespace) ?? null) : null;
      out.push({ cluster, match, bundleDeployment: bd, state: bd ? stateOf(bd) : 'Pending' });
    }
    return out.sort(byClusterName);
  }

  /** Matches a synthetic bundle (a preview): every candidate cluster that matches. */
  preview(
    spec: TargetingSpec & { namespace: string; labels: Labels },
  ): { cluster: ClusterRecord; match: TargetMatch }[] {
    const m = BundleMatcher.compile(spec);
    if (isTargetingError(m)) return [];
    const out: { cluster: ClusterRecord; match: TargetMatch }[] = [];
    for (const cluster of this.candidateClusters(spec)) {
      const match = m.matchIfDeployed(cluster, this.groupsOf(cluster));
      if (match) out.push({ cluster, match });
    }
    return out;
  }

  /**
   * GitRepos with at least one Bundle whose current targets select this cluster, with the first
   * such Bundle's match. Computed for every cluster at once, on first use.
   */
  gitReposTargeting(cluster: ClusterRecord): readonly { gitRepo: GitRepoRecord; match: TargetMatch }[] {
    if (!this.gitReposByCluster) {
      const index = new Map<string, { gitRepo: GitRepoRecord; match: TargetMatch }[]>();
      for (const bundle of this.snapshot.list('Bundle')) {
        if (!bundle.repoName) continue;
        const gitRepo = this.snapshot.get('GitRepo', `${bundle.namespace}/${bundle.repoName}`);
        if (!gitRepo) continue;
        for (const t of this.targetedClusters(bundle)) {
          const list = index.get(t.cluster.key) ?? [];
          if (!list.some((x) => x.gitRepo.key === gitRepo.key)) list.push({ gitRepo, match: t.match });
          index.set(t.cluster.key, list);
        }
      }
      for (const list of index.values()) list.sort((a, b) => a.gitRepo.key.localeCompare(b.gitRepo.key));
      this.gitReposByCluster = index;
    }
    return this.gitReposByCluster.get(cluster.key) ?? [];
  }

  /** The Cluster a BD is deployed to: by its namespace (`status.namespace`), else by its labels (docs/fleet/links.md §3.4). */
  clusterOf(bd: BundleDeploymentRecord): ClusterRecord | undefined {
    return (
      this.snapshot.clusterByClusterNamespace(bd.namespace) ??
      this.snapshot.get('Cluster', `${bd.clusterNamespace}/${bd.clusterName}`)
    );
  }
}
