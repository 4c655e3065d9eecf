/**
 * Fleet's target matching (docs/fleet/targeting.md §4), read independently of the gateway's implementation:
 * candidate namespaces and BundleNamespaceMappings (docs/fleet/targeting.md §4.2), group membership (docs/fleet/targeting.md §4.2), criteria
 * (docs/fleet/targeting.md §4.3), group passes (docs/fleet/targeting.md §4.4), restrictions, customizations and doNotDeploy (docs/fleet/targeting.md §4.5), and the
 * creation order and maxNew limit (docs/fleet/targeting.md §4.6). Pure: the bundle controller feeds it objects from its
 * caches. Only the label-selector primitive is shared with the rest of the project.
 */
import type {
  Bundle,
  BundleDeploymentOptions,
  BundleNamespaceMapping,
  BundleTarget,
  Cluster,
  ClusterGroup,
  Namespace,
  TargetCriteria,
} from '../../apis/fleet.js';
import { LABEL_CLUSTER_DISPLAY_NAME, LABEL_NAMESPACE_NAME } from '../../apis/labels.js';
import type { LabelSelector, Labels, Selector } from '../../apis/selector.js';
import { compileLabelSelector, InvalidSelectorError } from '../../apis/selector.js';
import { mergeOptions } from './options-merge.js';

/** A matcher construction failed; Fleet reports it as "targeting error: …" on the Bundle (docs/fleet/targeting.md §4.3). */
export class TargetingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetingError';
  }
}

/** A group as matching sees it: its name and its own metadata labels (docs/fleet/targeting.md §4.2). */
export interface GroupRef {
  readonly name: string;
  readonly labels: Labels;
}

/** The pass used for a cluster in no group: empty name, no labels (docs/fleet/targeting.md §4.4). */
const NO_GROUP: GroupRef = { name: '', labels: {} };

function compileOrThrow(sel: LabelSelector, where: string): Selector {
  try {
    return compileLabelSelector(sel);
  } catch (e) {
    if (e instanceof InvalidSelectorError) throw new TargetingError(`${where}: ${e.message}`);
    throw e;
  }
}

/** One compiled criterion set (matcher.NewClusterMatcher, docs/fleet/targeting.md §4.3). */
export class ClusterMatcher {
  private readonly clusterName: string | undefined;
  private readonly clusterGroup: string | undefined;
  private readonly clusterSelector: Selector | undefined;
  private readonly groupSelector: Selector | undefined;

  constructor(c: TargetCriteria, where = 'target') {
    // Each field adds a criterion only when set: empty strings and null selectors are "absent".
    this.clusterName = c.clusterName ? c.clusterName : undefined;
    this.clusterGroup = c.clusterGroup ? c.clusterGroup : undefined;
    this.clusterSelector = c.clusterSelector
      ? compileOrThrow(c.clusterSelector, `${where} clusterSelector`)
      : undefined;
    this.groupSelector = c.clusterGroupSelector
      ? compileOrThrow(c.clusterGroupSelector, `${where} clusterGroupSelector`)
      : undefined;
  }

  /** No criteria at all never matches: an empty target `{}` selects nothing (docs/fleet/targeting.md §4.3). */
  get empty(): boolean {
    return !this.clusterName && !this.clusterGroup && !this.clusterSelector && !this.groupSelector;
  }

  /** All criteria must hold for this cluster and this one group pass (AND, docs/fleet/targeting.md §4.3–4.4). */
  matches(cluster: Cluster, group: GroupRef): boolean {
    if (this.empty) return false;
    const labels = cluster.metadata.labels ?? {};
    if (this.clusterName !== undefined) {
      // v0.15+: the Rancher display-name label counts as a name too.
      if (
        cluster.metadata.name !== this.clusterName &&
        labels[LABEL_CLUSTER_DISPLAY_NAME] !== this.clusterName
      )
        return false;
    }
    if (this.clusterGroup !== undefined && group.name !== this.clusterGroup) return false;
    if (this.groupSelector && !this.groupSelector.matches(group.labels)) return false;
    if (this.clusterSelector && !this.clusterSelector.matches(labels)) return false;
    return true;
  }

  /** True when any of the cluster's group passes matches (one empty pass when it has no group). */
  matchesAnyGroup(cluster: Cluster, groups: readonly GroupRef[]): boolean {
    return passes(groups).some((g) => this.matches(cluster, g));
  }
}

function passes(groups: readonly GroupRef[]): readonly GroupRef[] {
  return groups.length === 0 ? [NO_GROUP] : groups;
}

/**
 * The groups a cluster belongs to: every ClusterGroup in its own namespace whose selector matches
 * its labels. A null selector has no members, `{}` has every cluster, an invalid one is skipped
 * (Fleet logs it) (docs/fleet/targeting.md §4.2).
 */
export function clusterGroupsForCluster(cluster: Cluster, groups: readonly ClusterGroup[]): GroupRef[] {
  const out: GroupRef[] = [];
  for (const g of groups) {
    if (g.metadata.namespace !== cluster.metadata.namespace) continue;
    const sel = g.spec?.selector;
    if (!sel) continue;
    let compiled: Selector;
    try {
      compiled = compileLabelSelector(sel);
    } catch {
      continue;
    }
    if (compiled.matches(cluster.metadata.labels))
      out.push({ name: g.metadata.name ?? '', labels: g.metadata.labels ?? {} });
  }
  return out;
}

/**
 * The namespaces whose clusters a bundle may target: its own, plus those selected by a
 * BundleNamespaceMapping in its namespace whose bundleSelector matches the bundle. A mapping with
 * either selector null never matches; the namespaceSelector tests Namespace objects' labels (docs/fleet/targeting.md §4.2).
 */
export function candidateNamespaces(
  bundle: Bundle,
  mappings: readonly BundleNamespaceMapping[],
  namespaces: readonly Namespace[],
): Set<string> {
  const out = new Set<string>([bundle.metadata.namespace ?? '']);
  for (const m of mappings) {
    if (m.metadata.namespace !== bundle.metadata.namespace) continue;
    if (!m.bundleSelector || !m.namespaceSelector) continue;
    let bsel: Selector;
    let nsel: Selector;
    try {
      bsel = compileLabelSelector(m.bundleSelector);
      nsel = compileLabelSelector(m.namespaceSelector);
    } catch {
      continue;
    }
    if (!bsel.matches(bundle.metadata.labels)) continue;
    for (const ns of namespaces) {
      const name = ns.metadata.name ?? '';
      // Kubernetes sets kubernetes.io/metadata.name on every namespace; do not depend on the
      // emulator having done it.
      const labels = { ...(ns.metadata.labels ?? {}), [LABEL_NAMESPACE_NAME]: name };
      if (nsel.matches(labels)) out.add(name);
    }
  }
  return out;
}

/** The option fields of a BundleTarget (everything but its criteria and flags). */
export function targetOptions(t: BundleTarget): BundleDeploymentOptions {
  const {
    name: _n,
    clusterName: _cn,
    clusterSelector: _cs,
    clusterGroup: _cg,
    clusterGroupSelector: _cgs,
    doNotDeploy: _d,
    ...options
  } = t;
  return options;
}

/** The options a Bundle spec carries at bundle level (BundleDeploymentOptions are inlined, docs/fleet/objects.md §2.3). */
export function bundleLevelOptions(b: Bundle): BundleDeploymentOptions {
  const {
    paused: _p,
    rolloutStrategy: _r,
    resources: _res,
    targetCustomizationMode: _m,
    targets: _t,
    targetRestrictions: _tr,
    dependsOn: _dep,
    contentsId: _c,
    valuesHash: _v,
    ...options
  } = b.spec ?? {};
  return options;
}

/** options.Merge lives in options-merge.ts (one file per Fleet rule). */
export { mergeOptions } from './options-merge.js';

/** Why a cluster got (or did not get) a deployment; the simulator keeps the reason for logs/tests. */
export interface ClusterMatch {
  readonly cluster: Cluster;
  /** Name of the deployment target that matched. */
  readonly targetName: string;
  /** The group pass that matched, '' for a cluster in no group. */
  readonly groupName: string;
  /** Final options: bundle options merged with the target's or the customization's. */
  readonly options: BundleDeploymentOptions;
}

/** A bundle's targets split and compiled once (matcher.BundleMatch, docs/fleet/targeting.md §4.5). */
export class BundleMatcher {
  private readonly deployTargets: { target: BundleTarget; matcher: ClusterMatcher }[];
  private readonly customizations: { target: BundleTarget; matcher: ClusterMatcher }[];
  private readonly restrictions: ClusterMatcher[];
  private readonly allMatches: boolean;
  private readonly bundleOptions: BundleDeploymentOptions;

  constructor(bundle: Bundle) {
    const targets = bundle.spec?.targets ?? [];
    const restrictions = bundle.spec?.targetRestrictions ?? [];
    // With restrictions, the first T−R targets are fleet.yaml customizations and the rest the
    // GitRepo's deployment targets; without restrictions every target deploys (docs/fleet/targeting.md §4.5).
    const split = restrictions.length > 0 ? Math.max(0, targets.length - restrictions.length) : 0;
    const compile = (t: BundleTarget, i: number) => ({
      target: t,
      matcher: new ClusterMatcher(t, `targets[${i}]`),
    });
    this.customizations = targets.slice(0, split).map((t, i) => compile(t, i));
    this.deployTargets = targets.slice(split).map((t, i) => compile(t, i + split));
    this.restrictions = restrictions.map((r, i) => new ClusterMatcher(r, `targetRestrictions[${i}]`));
    this.allMatches = bundle.spec?.targetCustomizationMode === 'AllMatches';
    this.bundleOptions = bundleLevelOptions(bundle);
  }

  private restrictionsAllow(cluster: Cluster, group: GroupRef): boolean {
    return this.restrictions.length === 0 || this.restrictions.some((r) => r.matches(cluster, group));
  }

  /**
   * matcher.BundleMatch.Match: the first deployment target that passes the restriction allow-list
   * and its own criteria in the same group pass (docs/fleet/targeting.md §4.5), doNotDeploy or not; customizations are not
   * looked at. The Cluster reconciler keeps a cluster's BDs of a Bundle exactly when this finds
   * a target (target/query.go BundlesForCluster, all versions).
   */
  matchedTarget(
    cluster: Cluster,
    groups: readonly GroupRef[],
  ): { target: BundleTarget; group: GroupRef } | undefined {
    // Target order first, then group passes.
    for (const { target, matcher } of this.deployTargets) {
      for (const g of passes(groups)) {
        if (this.restrictionsAllow(cluster, g) && matcher.matches(cluster, g)) return { target, group: g };
      }
    }
    return undefined;
  }

  /** The deployment for one cluster, or undefined when it gets none. */
  match(cluster: Cluster, groups: readonly GroupRef[]): ClusterMatch | undefined {
    const winner = this.matchedTarget(cluster, groups);
    if (!winner) return undefined;
    if (winner.target.doNotDeploy) return undefined;
    let chosen = targetOptions(winner.target);
    if (this.allMatches) {
      // AllMatches: every matching customization merged in order; any doNotDeploy skips.
      for (const { target, matcher } of this.customizations) {
        if (!matcher.matchesAnyGroup(cluster, groups)) continue;
        if (target.doNotDeploy) return undefined;
        chosen = mergeOptions(chosen, targetOptions(target));
      }
    } else {
      // FirstMatch: the first matching customization, restrictions ignored, replaces the options.
      const first = this.customizations.find(({ matcher }) => matcher.matchesAnyGroup(cluster, groups));
      if (first) {
        if (first.target.doNotDeploy) return undefined;
        chosen = targetOptions(first.target);
      }
    }
    return {
      cluster,
      targetName: winner.target.name ?? '',
      groupName: winner.group.name,
      options: mergeOptions(this.bundleOptions, chosen),
    };
  }
}

export interface TargetingInput {
  readonly bundle: Bundle;
  readonly clusters: readonly Cluster[];
  readonly clusterGroups: readonly ClusterGroup[];
  readonly mappings: readonly BundleNamespaceMapping[];
  readonly namespaces: readonly Namespace[];
}

/**
 * Every cluster the bundle deploys to, sorted by cluster name (docs/fleet/targeting.md §4.6). Throws TargetingError when a
 * target or restriction has an invalid selector: the whole bundle then fails (docs/fleet/targeting.md §4.3).
 */
export function computeTargets(input: TargetingInput): ClusterMatch[] {
  const matcher = new BundleMatcher(input.bundle);
  const nss = candidateNamespaces(input.bundle, input.mappings, input.namespaces);
  const out: ClusterMatch[] = [];
  for (const c of input.clusters) {
    if (!nss.has(c.metadata.namespace ?? '')) continue;
    const m = matcher.match(c, clusterGroupsForCluster(c, input.clusterGroups));
    if (m) out.push(m);
  }
  return out.sort((a, b) => {
    const an = a.cluster.metadata.name ?? '';
    const bn = b.cluster.metadata.name ?? '';
    return an < bn
      ? -1
      : an > bn
        ? 1
        : (a.cluster.metadata.namespace ?? '') < (b.cluster.metadata.namespace ?? '')
          ? -1
          : 1;
  });
}
