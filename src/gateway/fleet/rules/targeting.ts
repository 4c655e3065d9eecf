/**
 * Target matching with reasons (docs/fleet/targeting.md §4.3–4.5): one criterion set, the group passes, and the
 * bundle-level choice between deployment targets, restrictions and customizations.
 */
import type { BundleTarget, TargetCriteria } from '../../../apis/fleet.js';
import { LABEL_CLUSTER_DISPLAY_NAME } from '../../../apis/labels.js';
import { InvalidSelectorError } from '../../../apis/selector.js';
import type { Selector } from '../../../apis/selector.js';
import type { FieldProblem } from '../../../shared/errors.js';
import type { BundleRecord, ClusterGroupRecord, ClusterRecord, Labels } from '../../store/records.js';
import { compileSelector } from './groups.js';
import type { TargetMatch } from './read-model.js';

/** A group as matching sees it (docs/fleet/targeting.md §4.2): its name and its own `metadata.labels`. */
export interface GroupPass {
  readonly name: string;
  readonly labels: Labels;
}

/** docs/fleet/targeting.md §4.4: a cluster in no group is matched once with an empty group name and no group labels. */
const NO_GROUP: GroupPass = { name: '', labels: {} };

/** docs/fleet/targeting.md §4.3 `NewClusterMatcher`: each field adds a criterion only when it is set. */
export interface CompiledCriteria {
  readonly clusterName?: string | undefined;
  readonly clusterGroup?: string | undefined;
  readonly clusterSelector?: Selector | undefined;
  readonly clusterGroupSelector?: Selector | undefined;
  /** No criteria at all: matches nothing (docs/fleet/targeting.md §4.3). */
  readonly empty: boolean;
}

/**
 * Compiles one criterion set. A null/absent selector adds no criterion; `{}` matches everything.
 * Throws InvalidSelectorError whose problems carry field paths under `path`.
 */
export function compileCriteria(c: TargetCriteria, path: string): CompiledCriteria {
  const problems: FieldProblem[] = [];
  const sel = (s: TargetCriteria['clusterSelector'], field: string): Selector | undefined => {
    if (s === null || s === undefined) return undefined;
    try {
      return compileSelector(s, `${path}.${field}`);
    } catch (e) {
      if (!(e instanceof InvalidSelectorError)) throw e;
      problems.push(...e.problems);
      return undefined;
    }
  };
  const clusterSelector = sel(c.clusterSelector, 'clusterSelector');
  const clusterGroupSelector = sel(c.clusterGroupSelector, 'clusterGroupSelector');
  if (problems.length > 0) throw new InvalidSelectorError(problems);
  const clusterName = c.clusterName || undefined;
  const clusterGroup = c.clusterGroup || undefined;
  return {
    clusterName,
    clusterGroup,
    clusterSelector,
    clusterGroupSelector,
    empty: !clusterName && !clusterGroup && !clusterSelector && !clusterGroupSelector,
  };
}

/**
 * docs/fleet/targeting.md §4.3 `clusterName` matches the Cluster's `metadata.name` or its Rancher display-name label
 * (v0.15+, backported to v0.14.2 and v0.13.7).
 */
function clusterNameMatches(want: string, cluster: ClusterRecord): boolean {
  return want === cluster.name || want === cluster.labels[LABEL_CLUSTER_DISPLAY_NAME];
}

/** docs/fleet/targeting.md §4.3 `Match`: no criteria → no match; otherwise every criterion must hold (AND). */
export function criteriaMatch(c: CompiledCriteria, cluster: ClusterRecord, group: GroupPass): boolean {
  if (c.empty) return false;
  if (c.clusterName !== undefined && !clusterNameMatches(c.clusterName, cluster)) return false;
  if (c.clusterGroup !== undefined && c.clusterGroup !== group.name) return false;
  // docs/fleet/targeting.md §4.2: clusterGroupSelector tests the group's own labels, not the group's selector. In the
  // no-group pass those labels are empty, so `{}` passes and e.g. `env=x` fails.
  if (c.clusterGroupSelector && !c.clusterGroupSelector.matches(group.labels)) return false;
  if (c.clusterSelector && !c.clusterSelector.matches(cluster.labels)) return false;
  return true;
}

const NO_GROUP_PASSES: readonly GroupPass[] = [NO_GROUP];
/** Passes by group list: FleetView memoizes each cluster's group list, so this is reused. */
const passesMemo = new WeakMap<readonly ClusterGroupRecord[], readonly GroupPass[]>();

/** docs/fleet/targeting.md §4.4: one pass per group the cluster belongs to, or one empty pass when it has none. */
export function groupPasses(groups: readonly ClusterGroupRecord[]): readonly GroupPass[] {
  if (groups.length === 0) return NO_GROUP_PASSES;
  let p = passesMemo.get(groups);
  if (!p) passesMemo.set(groups, (p = groups.map((g) => ({ name: g.name, labels: g.labels }))));
  return p;
}

/** Does any group pass satisfy the criteria? Returns that pass. */
function firstPass(c: CompiledCriteria, cluster: ClusterRecord, passes: readonly GroupPass[]) {
  return passes.find((p) => criteriaMatch(c, cluster, p));
}

/** One clause saying why a criterion set fails for this cluster (for reasons). */
export function whyNot(c: CompiledCriteria, cluster: ClusterRecord, passes: readonly GroupPass[]): string {
  if (c.empty) return 'has no criteria, so it matches nothing';
  if (c.clusterName !== undefined && !clusterNameMatches(c.clusterName, cluster)) {
    return `clusterName "${c.clusterName}" is neither the cluster's name nor its display name`;
  }
  if (c.clusterSelector && !c.clusterSelector.matches(cluster.labels)) {
    return `clusterSelector "${c.clusterSelector.toString()}" does not match the cluster's labels`;
  }
  const wants = [
    c.clusterGroup !== undefined ? `clusterGroup "${c.clusterGroup}"` : '',
    c.clusterGroupSelector ? `clusterGroupSelector "${c.clusterGroupSelector.toString()}"` : '',
  ].filter(Boolean);
  const inNoGroup = passes === NO_GROUP_PASSES;
  return inNoGroup
    ? `the cluster is in no cluster group, so ${wants.join(' and ')} cannot hold`
    : `no cluster group of the cluster (${passes.map((p) => p.name).join(', ')}) satisfies ${wants.join(' and ')}`;
}

/** Does the criterion set test the cluster's groups (docs/fleet/targeting.md §4.3 clusterGroup, clusterGroupSelector)? */
function usesGroup(c: CompiledCriteria): boolean {
  return c.clusterGroup !== undefined || c.clusterGroupSelector !== undefined;
}

const selectorText = (s: Selector) => s.toString() || '{} (everything)';

/** The criteria that held for a matched cluster, in words: what a user should read as the cause. */
function matchedBy(c: CompiledCriteria, cluster: ClusterRecord, group: string | undefined): string {
  const parts: string[] = [];
  if (c.clusterName !== undefined)
    parts.push(
      c.clusterName === cluster.name
        ? `clusterName "${c.clusterName}"`
        : `clusterName "${c.clusterName}" (the cluster's display name)`,
    );
  if (c.clusterSelector) parts.push(`clusterSelector "${selectorText(c.clusterSelector)}"`);
  if (group !== undefined) {
    const bySelector = c.clusterGroupSelector
      ? ` (clusterGroupSelector "${selectorText(c.clusterGroupSelector)}")`
      : '';
    parts.push(`cluster group "${group}"${bySelector}`);
  } else if (c.clusterGroupSelector) {
    // docs/fleet/targeting.md §4.4: a cluster in no group is tested once with empty group labels.
    parts.push(
      `clusterGroupSelector "${selectorText(c.clusterGroupSelector)}", which holds on the empty labels of a cluster in no group`,
    );
  }
  return parts.join(' and ');
}

/** How `targets[i]` is named in reasons. */
function label(kind: string, index: number, t: TargetCriteria): string {
  return t.name ? `${kind} "${t.name}" (targets[${index}])` : `${kind} targets[${index}]`;
}

/** A bundle whose targets or restrictions cannot be compiled (docs/fleet/targeting.md §4.3: the bundle's targeting error). */
export interface TargetingError {
  /** Like Fleet's Ready condition message: starts with "targeting error". */
  readonly message: string;
  readonly problems: readonly FieldProblem[];
}

export function isTargetingError(x: BundleMatcher | TargetingError): x is TargetingError {
  return !(x instanceof BundleMatcher);
}

/** What a Bundle's targeting is made of (a Bundle record or a preview's synthetic bundle). */
export interface TargetingSpec {
  readonly targets: readonly BundleTarget[];
  readonly targetRestrictions: readonly TargetCriteria[];
  readonly targetCustomizationMode: 'FirstMatch' | 'AllMatches';
}

interface CompiledTarget {
  readonly index: number;
  readonly target: BundleTarget;
  readonly criteria: CompiledCriteria;
}

/** docs/fleet/targeting.md §4.5 `BundleMatch` (v0.16): decides whether a cluster gets a BD, and through which target. */
export class BundleMatcher {
  private constructor(
    private readonly customizations: readonly CompiledTarget[],
    private readonly deploymentTargets: readonly CompiledTarget[],
    private readonly restrictions: readonly CompiledCriteria[],
    private readonly mode: 'FirstMatch' | 'AllMatches',
  ) {}

  /** Compiles every target and restriction; any invalid selector is the whole bundle's error (docs/fleet/targeting.md §4.3). */
  static compile(spec: TargetingSpec): BundleMatcher | TargetingError {
    const problems: FieldProblem[] = [];
    const compileAll = <T extends TargetCriteria>(list: readonly T[], field: string) =>
      list.map((t, index) => {
        try {
          return { index, target: t, criteria: compileCriteria(t, `${field}[${index}]`) };
        } catch (e) {
          if (!(e instanceof InvalidSelectorError)) throw e;
          problems.push(...e.problems);
          return { index, target: t, criteria: { empty: true } };
        }
      });
    const targets = compileAll(spec.targets, 'targets');
    const restrictions = compileAll(spec.targetRestrictions, 'targetRestrictions').map((r) => r.criteria);
    if (problems.length > 0) {
      const detail = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
      return { message: `targeting error: ${detail}`, problems };
    }
    // docs/fleet/targeting.md §4.5 customizations by position: with R > 0 restrictions, the first T−R targets are
    // customizations (from fleet.yaml) and the rest deployment targets (from the GitRepo); with
    // R = 0 (HelmOp, CLI, Rancher-made bundles) every target is a deployment target.
    const split = restrictions.length > 0 ? Math.max(0, targets.length - restrictions.length) : 0;
    return new BundleMatcher(
      targets.slice(0, split),
      targets.slice(split),
      restrictions,
      spec.targetCustomizationMode,
    );
  }

  /** docs/fleet/targeting.md §4.5: the restriction allow-list passes when there are none, or when one matches this group pass. */
  private allowed(cluster: ClusterRecord, pass: GroupPass): boolean {
    return this.restrictions.length === 0 || this.restrictions.some((r) => criteriaMatch(r, cluster, pass));
  }

  /** How this bundle's targets decide on the cluster, with the reason, matched or not. */
  match(cluster: ClusterRecord, groups: readonly ClusterGroupRecord[]): TargetMatch {
    const passes = groupPasses(groups);
    const won = this.winner(cluster, passes);
    return won ? this.withCustomizations(won.t, won.pass, cluster, passes) : this.noMatch(cluster, passes);
  }

  /**
   * The match when the cluster gets a BD, else undefined: the fast path for listing a bundle's
   * targets, which skips explaining the clusters it does not select.
   */
  matchIfDeployed(cluster: ClusterRecord, groups: readonly ClusterGroupRecord[]): TargetMatch | undefined {
    const passes = groupPasses(groups);
    const won = this.winner(cluster, passes);
    if (!won) return undefined;
    const m = this.withCustomizations(won.t, won.pass, cluster, passes);
    return m.matched ? m : undefined;
  }

  /**
   * docs/fleet/targeting.md §4.5: the first deployment target and group pass where both the allow-list and the target hold;
   * both are checked in the same pass, so they must hold for the same group.
   */
  private winner(cluster: ClusterRecord, passes: readonly GroupPass[]) {
    for (const t of this.deploymentTargets) {
      for (const pass of passes) {
        if (criteriaMatch(t.criteria, cluster, pass) && this.allowed(cluster, pass)) return { t, pass };
      }
    }
    return undefined;
  }

  private withCustomizations(
    t: CompiledTarget,
    pass: GroupPass,
    cluster: ClusterRecord,
    passes: readonly GroupPass[],
  ): TargetMatch {
    // Fleet tries the target once per group of the cluster (docs/fleet/targeting.md §4.4), but the group only took part
    // when the target has a group criterion; the match names what actually selected the cluster.
    const group = usesGroup(t.criteria) && pass.name ? pass.name : undefined;
    const base = { targetIndex: t.index, targetName: t.target.name, clusterGroup: group };
    const what = () =>
      `${label('Target', t.index, t.target)} matches by ${matchedBy(t.criteria, cluster, group)}`;
    // docs/fleet/targeting.md §4.5 doNotDeploy on the matched deployment target skips the cluster (v0.16).
    if (t.target.doNotDeploy) {
      return lazyReason(
        { ...base, matched: false, doNotDeploy: true },
        () => `${what()} but has doNotDeploy, so the cluster is skipped.`,
      );
    }
    // Customizations are matched ignoring restrictions (docs/fleet/targeting.md §4.5).
    const matching = this.customizations.filter((c) => firstPass(c.criteria, cluster, passes));
    const chosen = this.mode === 'FirstMatch' ? matching.slice(0, 1) : matching;
    if (chosen.length === 0)
      return lazyReason({ ...base, matched: true, doNotDeploy: false }, () => `${what()}.`);
    const first = chosen[0]!;
    const custom = {
      ...base,
      customizationIndex: first.index,
      customizationName: first.target.name,
      customizationIndexes: chosen.map((c) => c.index),
    };
    // FirstMatch: a doNotDeploy customization skips the cluster only if it is the first match;
    // AllMatches: any matching doNotDeploy customization skips it.
    const blocker = chosen.find((c) => c.target.doNotDeploy);
    if (blocker) {
      const by = () => label('customization', blocker.index, blocker.target);
      return lazyReason(
        { ...custom, matched: false, doNotDeploy: true },
        () => `${what()} but ${by()} has doNotDeploy, so the cluster is skipped.`,
      );
    }
    const names = () => chosen.map((c) => label('customization', c.index, c.target)).join(', ');
    const how = this.mode === 'FirstMatch' ? 'replaces its options' : 'are merged onto its options in order';
    return lazyReason(
      { ...custom, matched: true, doNotDeploy: false },
      () => `${what()}; ${names()} ${how}.`,
    );
  }

  private noMatch(cluster: ClusterRecord, passes: readonly GroupPass[]): TargetMatch {
    const fail = (reason: string): TargetMatch => ({ matched: false, doNotDeploy: false, reason });
    if (this.deploymentTargets.length === 0) return fail('The bundle has no deployment targets.');
    // A target that matches on its own but fails the allow-list: restrictions only narrow (docs/fleet/targeting.md §4.5).
    const narrowed = this.deploymentTargets.find((t) => firstPass(t.criteria, cluster, passes));
    if (narrowed) {
      return fail(
        `${label('Target', narrowed.index, narrowed.target)} matches, but no targetRestriction allows the cluster in the same group pass (restrictions only narrow).`,
      );
    }
    const onlyCustom = this.customizations.find((c) => firstPass(c.criteria, cluster, passes));
    if (onlyCustom) {
      return fail(
        `Only ${label('customization', onlyCustom.index, onlyCustom.target)} matches; customizations never add clusters.`,
      );
    }
    const why = this.deploymentTargets
      .map(
        (t) =>
          `${t.target.name ? `"${t.target.name}"` : `targets[${t.index}]`} ${whyNot(t.criteria, cluster, passes)}`,
      )
      .join('; ');
    return fail(`No deployment target matches: ${why}.`);
  }
}

/**
 * A TargetMatch whose reason sentence is rendered on first read: listing a bundle's targets
 * decides thousands of matches, and few reasons are ever shown.
 */
function lazyReason(m: Omit<TargetMatch, 'reason'>, render: () => string): TargetMatch {
  let reason: string | undefined;
  return Object.defineProperty({ ...m } as TargetMatch, 'reason', {
    enumerable: true,
    get: () => (reason ??= render()),
  });
}

/** Matchers by Bundle record (records are immutable, so a changed Bundle is a new key). */
const matchers = new WeakMap<BundleRecord, BundleMatcher | TargetingError>();

export function bundleMatcher(bundle: BundleRecord): BundleMatcher | TargetingError {
  let m = matchers.get(bundle);
  if (m === undefined) {
    m = BundleMatcher.compile(bundle);
    matchers.set(bundle, m);
  }
  return m;
}
