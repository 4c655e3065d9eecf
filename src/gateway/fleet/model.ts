/**
 * The ReadModel implementation: one per GraphQL operation, over one snapshot. Lookups go to the
 * snapshot's indexes; derived views (targeting, summaries, dependencies, findings) are memoized
 * for the instance's lifetime.
 *
 * Why this file is over 400 lines: one class implements the whole ReadModel interface; each
 * method is a short lookup or a memoized call into a rule, and splitting the class would split one
 * interface's implementation and its shared memo tables.
 */
import type { BundleState, BundleSummary, GitTarget } from '../../apis/fleet.js';
import { InvalidSelectorError, parseLabelSelector } from '../../apis/selector.js';
import type { Selector } from '../../apis/selector.js';
import type { Clock } from '../../shared/clock.js';
import { ErrorCode, FleetGraphError } from '../../shared/errors.js';
import type {
  BundleDeploymentRecord,
  BundleRecord,
  ClusterGroupRecord,
  ClusterRecord,
  GitRepoRecord,
  HelmOpRecord,
  RecordMeta,
  Snapshot,
} from '../store/records.js';
import { allFindings } from './rules/consistency.js';
import { blockersOf, cyclesThrough, resolveDependsOn } from './rules/dependencies.js';
import { previewTargets } from './rules/preview.js';
import { assertGitRepoAccepted } from './rules/restrictions.js';
import { isRolloutLimitError } from './rules/rollout.js';
import { previewGitRepoRetarget } from './rules/retarget.js';
import type { BundleRetargetPreview } from './rules/retarget.js';
import type {
  BundleDependency,
  BundleDeploymentFilter,
  DeploymentBlocker,
  Inconsistency,
  InconsistencyFilter,
  ListFilter,
  PreviewGitRepo,
  PreviewedCluster,
  ReadModel,
  RecomputedStatus,
  TargetMatch,
  TargetedCluster,
} from './rules/read-model.js';
import {
  bundleStatusFromTargets,
  clusterStatusFromDeployments,
  groupStatusFromMembers,
  statusFromDeployments,
} from './rules/summaries.js';
import type {
  RecomputedBundleStatus,
  RecomputedClusterStatus,
  RecomputedGroupStatus,
} from './rules/summaries.js';
import type { TargetingError } from './rules/targeting.js';
import type { ConsistencyTracker } from './live/tracker.js';
import { visibleFinding, type Visibility } from './visible.js';
import { stillTargeted } from './rules/still-targeted.js';
import { FleetView, stateOf } from './rules/view.js';

export interface ReadModelOptions {
  /** Supplies `firstSeenAt` for findings; without it, findings are stamped with `now`. */
  readonly tracker?: ConsistencyTracker | undefined;
  /** Gateway clock for `now`; defaults to the snapshot's `takenAt`. */
  readonly clock?: Clock | undefined;
  /**
   * What the caller may see, when the snapshot is a caller's filtered view (visible.ts): findings
   * come from the tracker over everything, so they are filtered by the objects they name.
   */
  readonly visibility?: Visibility | undefined;
}

/** What the fleet/ read model offers beyond the ReadModel contract (additions, same instance). */
export interface FleetReadModel extends ReadModel {
  /** The Bundle's targeting error (docs/fleet/targeting.md §4.3), if its targets or restrictions cannot be compiled. */
  targetingError(bundle: BundleRecord): TargetingError | undefined;
  /** Bundle summary and display recomputed from its targets (docs/fleet/state.md §5.3). */
  recomputedBundleStatus(bundle: BundleRecord): RecomputedBundleStatus;
  /** Cluster status recomputed from the BDs its Bundles still target (docs/fleet/state.md §5.5). */
  recomputedClusterStatus(cluster: ClusterRecord): RecomputedClusterStatus;
  /** ClusterGroup status recomputed from its members' recomputed statuses (docs/fleet/state.md §5.6). */
  recomputedClusterGroupStatus(group: ClusterGroupRecord): RecomputedGroupStatus;
  /** How one Bundle's targets decide on one cluster, matched or not, with the reason. */
  targetMatch(bundle: BundleRecord, cluster: ClusterRecord): TargetMatch;
  /** Per Bundle of the GitRepo, the clusters added, removed and unchanged if its targets became `targets`. */
  previewGitRepoRetarget(
    repo: GitRepoRecord,
    targets: readonly GitTarget[],
  ): readonly BundleRetargetPreview[];
}

export function createReadModel(snapshot: Snapshot, opts: ReadModelOptions = {}): FleetReadModel {
  return new SnapshotReadModel(snapshot, opts);
}

/** Parses a `labelSelector` filter; an invalid one is the caller's INVALID_SELECTOR error. */
export function parseSelectorFilter(input: string): Selector {
  try {
    return parseLabelSelector(input);
  } catch (e) {
    if (!(e instanceof InvalidSelectorError)) throw e;
    throw new FleetGraphError(ErrorCode.INVALID_SELECTOR, `invalid labelSelector "${input}": ${e.message}`, {
      problems: e.problems.map((p) => ({
        field: p.field ? `labelSelector.${p.field}` : 'labelSelector',
        message: p.message,
      })),
    });
  }
}

function memo<K, V>(cache: Map<K, V>, key: K, make: () => V): V {
  if (cache.has(key)) return cache.get(key)!;
  const v = make();
  cache.set(key, v);
  return v;
}

const sameRef = (a: { namespace: string; name: string } | undefined, r: RecordMeta) =>
  a !== undefined && a.namespace === r.namespace && a.name === r.name;

class SnapshotReadModel implements FleetReadModel {
  readonly now: number;
  private readonly view: FleetView;
  private readonly tracker: ConsistencyTracker | undefined;
  private readonly visibility: Visibility | undefined;
  private readonly statusMemo = new Map<string, RecomputedStatus>();
  private readonly clusterStatusMemo = new Map<string, RecomputedClusterStatus>();
  private readonly dependsOnMemo = new Map<string, readonly BundleDependency[]>();
  private readonly targetedMemo = new Map<string, readonly TargetedCluster[]>();
  private findings: readonly Inconsistency[] | undefined;

  constructor(
    readonly snapshot: Snapshot,
    opts: ReadModelOptions,
  ) {
    this.view = new FleetView(snapshot);
    this.tracker = opts.tracker;
    this.visibility = opts.visibility;
    this.now = opts.clock?.now() ?? snapshot.takenAt;
  }

  workspaces(): readonly string[] {
    return this.snapshot.workspaces();
  }

  // ---- lookups and lists ----

  private filtered<T extends RecordMeta>(list: readonly T[], f: ListFilter | undefined): T[] {
    const sel = f?.labelSelector !== undefined ? parseSelectorFilter(f.labelSelector) : undefined;
    return list.filter(
      (r) =>
        (f?.workspace === undefined || r.namespace === f.workspace) &&
        (f?.name === undefined || r.name === f.name) &&
        (sel === undefined || sel.matches(r.labels)),
    );
  }

  gitRepo(namespace: string, name: string) {
    return this.snapshot.get('GitRepo', `${namespace}/${name}`);
  }
  gitRepos(filter?: ListFilter) {
    return this.filtered(this.snapshot.list('GitRepo', filter?.workspace), filter);
  }
  helmOp(namespace: string, name: string) {
    return this.snapshot.get('HelmOp', `${namespace}/${name}`);
  }
  helmOps(filter?: ListFilter) {
    return this.filtered(this.snapshot.list('HelmOp', filter?.workspace), filter);
  }
  bundle(namespace: string, name: string) {
    return this.snapshot.get('Bundle', `${namespace}/${name}`);
  }
  /** Agent bundles (`fleet-agent-<cluster>`, docs/fleet/operations.md §8.1) are hidden unless asked for. */
  bundles(filter?: ListFilter & { gitRepo?: string | undefined; includeAgentBundles?: boolean }) {
    const ws = filter?.workspace;
    const source =
      ws !== undefined && filter?.gitRepo !== undefined
        ? this.snapshot.bundlesOfGitRepo(ws, filter.gitRepo)
        : this.snapshot.list('Bundle', ws);
    return this.filtered(source, filter).filter(
      (b) =>
        (filter?.includeAgentBundles === true || !b.agentBundle) &&
        (filter?.gitRepo === undefined || b.repoName === filter.gitRepo),
    );
  }
  bundleDeployment(namespace: string, name: string) {
    return this.snapshot.get('BundleDeployment', `${namespace}/${name}`);
  }
  cluster(namespace: string, name: string) {
    return this.snapshot.get('Cluster', `${namespace}/${name}`);
  }
  clusters(filter?: ListFilter) {
    return this.filtered(this.snapshot.list('Cluster', filter?.workspace), filter);
  }
  clusterGroup(namespace: string, name: string) {
    return this.snapshot.get('ClusterGroup', `${namespace}/${name}`);
  }
  clusterGroups(filter?: ListFilter) {
    return this.filtered(this.snapshot.list('ClusterGroup', filter?.workspace), filter);
  }

  /**
   * A BD belongs to the workspace of its Bundle (`bundle-namespace`) and of its Cluster
   * (`cluster-namespace`); they differ only for Bundles exported by a BundleNamespaceMapping.
   */
  bundleDeployments(f?: BundleDeploymentFilter): readonly BundleDeploymentRecord[] {
    const sel = f?.labelSelector !== undefined ? parseSelectorFilter(f.labelSelector) : undefined;
    const states = f?.states ? new Set<BundleState>(f.states) : undefined;
    return this.deploymentSource(f).filter(
      (bd) =>
        (f?.workspace === undefined ||
          bd.bundleNamespace === f.workspace ||
          bd.clusterNamespace === f.workspace) &&
        (f?.name === undefined || bd.name === f.name) &&
        (f?.bundle === undefined || bd.bundleName === f.bundle) &&
        (f?.gitRepo === undefined || bd.repoName === f.gitRepo) &&
        (f?.cluster === undefined || bd.clusterName === f.cluster) &&
        (sel === undefined || sel.matches(bd.labels)) &&
        (states === undefined || states.has(stateOf(bd))),
    );
  }

  /** The narrowest index that covers the filter; the filter itself is applied after. */
  private deploymentSource(f: BundleDeploymentFilter | undefined): readonly BundleDeploymentRecord[] {
    const ws = f?.workspace;
    if (ws !== undefined && f?.cluster !== undefined) {
      const c = this.cluster(ws, f.cluster);
      if (c?.clusterNamespace) return this.snapshot.deploymentsInNamespace(c.clusterNamespace);
    }
    if (ws !== undefined && f?.bundle !== undefined) return this.snapshot.deploymentsOfBundle(ws, f.bundle);
    if (ws !== undefined && f?.gitRepo !== undefined)
      return this.snapshot.deploymentsOfGitRepo(ws, f.gitRepo);
    return this.snapshot.list('BundleDeployment');
  }

  // ---- edges ----

  bundlesOfGitRepo(repo: GitRepoRecord) {
    return this.snapshot.bundlesOfGitRepo(repo.namespace, repo.name);
  }
  bundlesOfHelmOp(op: HelmOpRecord) {
    return this.snapshot.bundlesOfHelmOp(op.namespace, op.name);
  }
  deploymentsOfGitRepo(repo: GitRepoRecord) {
    return this.snapshot.deploymentsOfGitRepo(repo.namespace, repo.name);
  }
  deploymentsOfBundle(bundle: BundleRecord) {
    return this.snapshot.deploymentsOfBundle(bundle.namespace, bundle.name);
  }
  /** docs/fleet/links.md §3.4: Cluster → BDs lists `status.namespace`; none until it is set. */
  deploymentsOfCluster(cluster: ClusterRecord) {
    return cluster.clusterNamespace ? this.snapshot.deploymentsInNamespace(cluster.clusterNamespace) : [];
  }
  gitRepoOfBundle(bundle: BundleRecord) {
    return bundle.repoName ? this.gitRepo(bundle.namespace, bundle.repoName) : undefined;
  }
  helmOpOfBundle(bundle: BundleRecord) {
    return bundle.helmOpName ? this.helmOp(bundle.namespace, bundle.helmOpName) : undefined;
  }
  bundleOfDeployment(bd: BundleDeploymentRecord) {
    return this.bundle(bd.bundleNamespace, bd.bundleName);
  }
  clusterOfDeployment(bd: BundleDeploymentRecord) {
    return this.view.clusterOf(bd);
  }
  groupsOfCluster(cluster: ClusterRecord) {
    return this.view.groupsOf(cluster);
  }
  clustersOfGroup(group: ClusterGroupRecord) {
    return this.view.clustersOf(group);
  }
  gitReposTargetingCluster(cluster: ClusterRecord) {
    return this.view.gitReposTargeting(cluster);
  }

  // ---- derived state ----

  deploymentState(bd: BundleDeploymentRecord): BundleState {
    return stateOf(bd);
  }
  targetedClusters(bundle: BundleRecord): readonly TargetedCluster[] {
    return memo(this.targetedMemo, bundle.key, () => {
      const targets = this.view.targetedClusters(bundle);
      const r = this.view.rollout(bundle);
      if (!r || isRolloutLimitError(r) || r.holds.size === 0) return targets;
      return targets.map((t) => {
        const rolloutHold = r.holds.get(t.cluster.key);
        return rolloutHold ? { ...t, rolloutHold } : t;
      });
    });
  }
  bundleRollout(bundle: BundleRecord) {
    return this.view.rollout(bundle);
  }
  targetingError(bundle: BundleRecord): TargetingError | undefined {
    return this.view.targetingError(bundle);
  }
  targetMatch(bundle: BundleRecord, cluster: ClusterRecord): TargetMatch {
    return this.view.match(bundle, cluster);
  }
  recomputedGitRepoStatus(repo: GitRepoRecord): RecomputedStatus {
    return memo(this.statusMemo, `GitRepo:${repo.key}`, () =>
      statusFromDeployments(this.deploymentsOfGitRepo(repo), repo.status),
    );
  }
  recomputedHelmOpStatus(op: HelmOpRecord): RecomputedStatus {
    return memo(this.statusMemo, `HelmOp:${op.key}`, () =>
      statusFromDeployments(this.snapshot.deploymentsOfHelmOp(op.namespace, op.name)),
    );
  }
  recomputedBundleStatus(bundle: BundleRecord): RecomputedBundleStatus {
    return bundleStatusFromTargets(this.targetedClusters(bundle));
  }
  recomputedBundleSummary(bundle: BundleRecord): BundleSummary {
    return this.recomputedBundleStatus(bundle).summary;
  }
  recomputedClusterStatus(cluster: ClusterRecord): RecomputedClusterStatus {
    return memo(this.clusterStatusMemo, cluster.key, () =>
      clusterStatusFromDeployments(
        cluster,
        // docs/fleet/state.md §5.5: the cluster reconciler deletes BDs their Bundle no longer
        // targets, and leaves them out (docs/fleet/lifecycle.md §6.4).
        this.deploymentsOfCluster(cluster).filter((bd) => stillTargeted(this.view, bd).targeted),
        {
          gitRepo: (ns, name) => this.gitRepo(ns, name) !== undefined,
          helmOp: (ns, name) => this.helmOp(ns, name) !== undefined,
        },
      ),
    );
  }

  /** docs/fleet/state.md §5.5: the cluster reconciler deletes BDs whose Bundle no longer targets the cluster, and leaves them out. */
  private stillTargeted(bd: BundleDeploymentRecord, cluster: ClusterRecord): boolean {
    const bundle = this.bundleOfDeployment(bd);
    if (!bundle || bundle.deletionTimestamp) return false;
    if (this.view.targetingError(bundle)) return true;
    return this.view.targetedClusters(bundle).some((t) => t.cluster.key === cluster.key);
  }

  recomputedClusterGroupStatus(group: ClusterGroupRecord): RecomputedGroupStatus {
    return groupStatusFromMembers(
      this.clustersOfGroup(group).map((c) => {
        const s = this.recomputedClusterStatus(c);
        return { name: c.name, summary: s.summary, resourceCounts: s.resourceCounts };
      }),
    );
  }

  // ---- dependencies (docs/fleet/objects.md §2.10) ----

  dependsOn(bundle: BundleRecord): readonly BundleDependency[] {
    return memo(this.dependsOnMemo, bundle.key, () =>
      resolveDependsOn(bundle, this.snapshot.list('Bundle', bundle.namespace)),
    );
  }
  dependents(bundle: BundleRecord): readonly BundleRecord[] {
    return this.snapshot
      .list('Bundle', bundle.namespace)
      .filter((b) => this.dependsOn(b).some((d) => d.bundles.some((x) => x.key === bundle.key)));
  }
  blockers(bd: BundleDeploymentRecord): readonly DeploymentBlocker[] {
    return bd.dependsOn.length === 0
      ? []
      : blockersOf(bd, this.snapshot.deploymentsInNamespace(bd.namespace));
  }
  dependencyCycles(bundle: BundleRecord): readonly (readonly string[])[] {
    const edges = (key: string) => {
      const b = this.snapshot.get('Bundle', key);
      return b ? this.dependsOn(b).flatMap((d) => d.bundles.map((x) => x.key)) : [];
    };
    return cyclesThrough(bundle.key, edges);
  }

  // ---- consistency ----

  private allInconsistencies(): readonly Inconsistency[] {
    if (!this.findings) {
      const t = this.tracker;
      this.findings =
        t && t.revision === this.snapshot.revision
          ? t.current()
          : allFindings(this.view).map((f) => ({ ...f, firstSeenAt: t?.firstSeenAt(f.id) ?? this.now }));
      const v = this.visibility;
      if (v) this.findings = this.findings.filter((f) => visibleFinding(v, f));
    }
    return this.findings;
  }

  inconsistencies(filter?: InconsistencyFilter): readonly Inconsistency[] {
    const kinds = filter?.kinds ? new Set(filter.kinds) : undefined;
    return this.allInconsistencies().filter(
      (f) =>
        (filter?.workspace === undefined || f.workspace === filter.workspace) &&
        (kinds === undefined || kinds.has(f.kind)) &&
        (filter?.gitRepo === undefined || f.gitRepo?.name === filter.gitRepo) &&
        (filter?.cluster === undefined || f.cluster?.name === filter.cluster),
    );
  }

  inconsistenciesOf(target: GitRepoRecord | BundleRecord | ClusterRecord): readonly Inconsistency[] {
    const pick = (f: Inconsistency) =>
      target.kind === 'GitRepo' ? f.gitRepo : target.kind === 'Bundle' ? f.bundle : f.cluster;
    return this.allInconsistencies().filter((f) => sameRef(pick(f), target));
  }

  previewGitRepoRetarget(
    repo: GitRepoRecord,
    targets: readonly GitTarget[],
  ): readonly BundleRetargetPreview[] {
    return previewGitRepoRetarget(this.view, repo, targets);
  }

  previewTargets(
    namespace: string,
    targets: readonly GitTarget[],
    gitRepo?: PreviewGitRepo,
  ): readonly PreviewedCluster[] {
    const targetsChecked = previewTargets(this.view, namespace, targets, gitRepo);
    // Restrictions judge the GitRepo, not its targets: what the caller gives, else what it has.
    const existing = gitRepo?.name
      ? this.view.snapshot.get('GitRepo', `${namespace}/${gitRepo.name}`)
      : undefined;
    assertGitRepoAccepted(this.view.snapshot, namespace, gitRepo?.name, {
      repo: gitRepo?.repo ?? existing?.repo,
      targetNamespace: gitRepo?.targetNamespace ?? existing?.targetNamespace,
      serviceAccount: gitRepo?.serviceAccount ?? existing?.serviceAccount,
      clientSecretName: gitRepo?.clientSecretName ?? existing?.clientSecretName,
    });
    return targetsChecked;
  }
}
