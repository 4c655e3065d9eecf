/**
 * Fleet's dependency graph between Bundles (`dependsOn`, docs/fleet/objects.md §2.10). Fleet evaluates it
 * per cluster, in the agent: a BD waits until every BD on the same cluster that a `dependsOn`
 * entry selects is in an accepted state. Fleet does not detect cycles; this module reports them.
 */
import type { BundleDependsOn, BundleState } from '../../../apis/fleet.js';
import { LABEL_BUNDLE_NAME, LABEL_BUNDLE_NAMESPACE, LABEL_MANAGED } from '../../../apis/labels.js';
import type { Selector } from '../../../apis/selector.js';
import { InvalidSelectorError } from '../../../apis/selector.js';
import type { BundleDeploymentRecord, BundleRecord, Labels } from '../../store/records.js';
import { compileSelector } from './groups.js';
import type { BundleDependency, DeploymentBlocker } from './read-model.js';
import { stateOf } from './view.js';

/** docs/fleet/objects.md §2.10: an empty `acceptedStates` means only Ready. */
export function acceptedStates(req: BundleDependsOn): readonly BundleState[] {
  return req.acceptedStates && req.acceptedStates.length > 0 ? req.acceptedStates : ['Ready'];
}

/**
 * docs/fleet/objects.md §2.10: the selector a `dependsOn` entry stands for, against BD labels (agent/deployer/deployer.go
 * `checkDependency`, all versions with `dependsOn.selector`). `name` is shorthand for
 * `bundle-name=<name>` plus `bundle-namespace=<the dependent's bundle namespace>`, written into
 * the selector's `matchLabels` (metav1.AddLabelToSelector): they replace what the selector's
 * `matchLabels` says for those two keys and are ANDed with the rest. Undefined for an entry with
 * neither (Fleet skips it as a typo guard). Throws InvalidSelectorError for an invalid selector.
 */
export function dependencySelector(req: BundleDependsOn, bundleNamespace: string): Selector | undefined {
  if (!req.name && !req.selector) return undefined;
  const matchLabels: Record<string, string> = { ...req.selector?.matchLabels };
  if (req.name) {
    matchLabels[LABEL_BUNDLE_NAME] = req.name;
    matchLabels[LABEL_BUNDLE_NAMESPACE] = bundleNamespace;
  }
  return compileSelector({ matchLabels, matchExpressions: req.selector?.matchExpressions ?? [] });
}

/**
 * The labels a Bundle's BDs carry, minus the per-cluster ones (docs/fleet/links.md §3.1 `BundleDeploymentLabels`):
 * the Bundle's labels without `kubectl.kubernetes.io/*` and `*cattle.io/*` keys, except
 * `fleet.cattle.io/*` ones, plus bundle-name, bundle-namespace and managed.
 */
export function deploymentLabelsOf(bundle: BundleRecord): Labels {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(bundle.labels)) {
    const dropped = k.startsWith('kubectl.kubernetes.io/') || k.includes('cattle.io/');
    if (!dropped || k.startsWith('fleet.cattle.io/')) labels[k] = v;
  }
  labels[LABEL_BUNDLE_NAME] = bundle.name;
  labels[LABEL_BUNDLE_NAMESPACE] = bundle.namespace;
  labels[LABEL_MANAGED] = 'true';
  return labels;
}

function describeRequirement(req: BundleDependsOn): string {
  const parts = [req.name ? `name "${req.name}"` : '', req.selector ? 'a selector' : ''].filter(Boolean);
  return parts.join(' and ');
}

/**
 * Resolves a Bundle's `dependsOn` to the Bundles of its workspace whose BDs it would select.
 * Entries with neither name nor selector are skipped (docs/fleet/objects.md §2.10). An invalid selector resolves to
 * nothing and says so in `error`.
 */
export function resolveDependsOn(
  bundle: BundleRecord,
  bundlesInNamespace: readonly BundleRecord[],
): BundleDependency[] {
  const out: BundleDependency[] = [];
  for (const requirement of bundle.dependsOn) {
    let sel: Selector | undefined;
    try {
      sel = dependencySelector(requirement, bundle.namespace);
    } catch (e) {
      if (!(e instanceof InvalidSelectorError)) throw e;
      out.push({ requirement, acceptedStates: acceptedStates(requirement), bundles: [], error: e.message });
      continue;
    }
    if (!sel) continue;
    const s = sel;
    const bundles = bundlesInNamespace.filter((b) => s.matches(deploymentLabelsOf(b)));
    out.push({ requirement, acceptedStates: acceptedStates(requirement), bundles });
  }
  return out;
}

/**
 * docs/fleet/objects.md §2.10 `checkDependency` for one BD: each entry is matched against the BDs in the same per-cluster
 * namespace. No match is an error ("no bundles matching labels"); matches outside the accepted
 * states block ("dependent bundle(s) are not ready"). Returns only the unmet entries.
 */
export function blockersOf(
  bd: BundleDeploymentRecord,
  bdsOnSameCluster: readonly BundleDeploymentRecord[],
): DeploymentBlocker[] {
  const out: DeploymentBlocker[] = [];
  for (const requirement of bd.dependsOn) {
    const accepted = acceptedStates(requirement);
    let sel: Selector | undefined;
    try {
      sel = dependencySelector(requirement, bd.bundleNamespace);
    } catch (e) {
      if (!(e instanceof InvalidSelectorError)) throw e;
      out.push({
        requirement,
        acceptedStates: accepted,
        notReady: [],
        missing: false,
        reason: `dependsOn with ${describeRequirement(requirement)} has an invalid selector: ${e.message}.`,
      });
      continue;
    }
    if (!sel) continue;
    const s = sel;
    const matching = bdsOnSameCluster.filter((other) => s.matches(other.labels));
    if (matching.length === 0) {
      out.push({
        requirement,
        acceptedStates: accepted,
        notReady: [],
        missing: true,
        reason: `No bundles matching labels "${s.toString()}" on this cluster.`,
      });
      continue;
    }
    const notReady = matching.filter((other) => !accepted.includes(stateOf(other)));
    if (notReady.length > 0) {
      const list = notReady.map((o) => `${o.name} (${stateOf(o)})`).join(' ');
      out.push({
        requirement,
        acceptedStates: accepted,
        notReady,
        missing: false,
        reason: `Dependent bundle(s) are not ready: [${list}]; accepted states: ${accepted.join(', ')}.`,
      });
    }
  }
  return out;
}

/**
 * Cycles through `start` in a dependency graph (bundle key → keys it depends on), each as the list
 * of keys from `start` back to just before `start`. One shortest cycle per direct dependency that
 * leads back; breadth-first with a visited set, so it always terminates.
 */
export function cyclesThrough(start: string, edges: (key: string) => readonly string[]): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  for (const first of [...new Set(edges(start))].sort()) {
    const path = shortestPath(first, start, edges);
    if (!path) continue;
    const cycle = [start, ...path.slice(0, -1)];
    const id = cycle.join('>');
    if (!seen.has(id)) {
      seen.add(id);
      cycles.push(cycle);
    }
  }
  return cycles;
}

function shortestPath(
  from: string,
  to: string,
  edges: (key: string) => readonly string[],
): string[] | undefined {
  const prev = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i]!;
    if (at === to) {
      const path: string[] = [];
      for (let n: string | null = at; n !== null; n = prev.get(n) ?? null) path.unshift(n);
      return path;
    }
    for (const next of edges(at)) {
      if (!prev.has(next)) {
        prev.set(next, at);
        queue.push(next);
      }
    }
  }
  return undefined;
}
