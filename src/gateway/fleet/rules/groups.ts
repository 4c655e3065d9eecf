/**
 * Which clusters a bundle considers, and which groups each cluster belongs to (docs/fleet/targeting.md §4.2).
 */
import { LABEL_NAMESPACE_NAME } from '../../../apis/labels.js';
import { InvalidSelectorError, compileLabelSelector } from '../../../apis/selector.js';
import type { LabelSelector, Selector } from '../../../apis/selector.js';
import type {
  BundleNamespaceMappingRecord,
  ClusterGroupRecord,
  ClusterRecord,
  Labels,
  NamespaceRecord,
} from '../../store/records.js';

/** Compiled selectors, keyed by the (immutable) selector object of a record. */
const compiledSelectors = new WeakMap<object, Selector | InvalidSelectorError>();

/**
 * Compiles a present selector with Kubernetes' rules (docs/fleet/targeting.md §4.3), cached by object identity since
 * records are frozen. Throws InvalidSelectorError, with field paths under `path` when given.
 */
export function compileSelector(sel: Readonly<LabelSelector>, path = ''): Selector {
  let c = compiledSelectors.get(sel);
  if (c === undefined) {
    try {
      c = compileLabelSelector(sel);
    } catch (e) {
      if (!(e instanceof InvalidSelectorError)) throw e;
      c = e;
    }
    compiledSelectors.set(sel, c);
  }
  if (c instanceof InvalidSelectorError) {
    // Recompile on the (rare) error path so the problems carry the caller's field path.
    if (path) compileLabelSelector(sel, path);
    throw c;
  }
  return c;
}

/** The compiled selector, or undefined when it is invalid. */
export function tryCompileSelector(sel: Readonly<LabelSelector>): Selector | undefined {
  try {
    return compileSelector(sel);
  } catch (e) {
    if (e instanceof InvalidSelectorError) return undefined;
    throw e;
  }
}

/**
 * docs/fleet/targeting.md §4.2 group membership: a null selector has no members, `{}` has every cluster of the namespace,
 * an invalid selector is skipped (Fleet logs it). Only clusters in the group's own namespace.
 */
export function groupHasMember(group: ClusterGroupRecord, cluster: ClusterRecord): boolean {
  if (group.namespace !== cluster.namespace || group.selector === null) return false;
  return tryCompileSelector(group.selector)?.matches(cluster.labels) ?? false;
}

/** docs/fleet/targeting.md §4.2 `ClusterGroupsForCluster`: the groups of the cluster's namespace whose selector matches it. */
export function groupsOfCluster(
  cluster: ClusterRecord,
  groupsInNamespace: readonly ClusterGroupRecord[],
): ClusterGroupRecord[] {
  return groupsInNamespace.filter((g) => groupHasMember(g, cluster));
}

/** The converse: the clusters of the group's namespace the group's selector matches. */
export function clustersOfGroup(
  group: ClusterGroupRecord,
  clustersInNamespace: readonly ClusterRecord[],
): ClusterRecord[] {
  return clustersInNamespace.filter((c) => groupHasMember(group, c));
}

/**
 * docs/fleet/targeting.md §4.2 `getNamespacesForBundle`: the bundle's own namespace plus every namespace selected by a
 * BundleNamespaceMapping that lives in the bundle's namespace, has both selectors non-null, and
 * whose `bundleSelector` matches the bundle's labels. `namespaceSelector` is matched against
 * Namespace objects' labels (so `kubernetes.io/metadata.name` picks one by name). A mapping with an
 * invalid selector is skipped. Returned sorted, own namespace included once.
 */
export function candidateNamespaces(
  bundle: { readonly namespace: string; readonly labels: Labels },
  mappingsInBundleNamespace: readonly BundleNamespaceMappingRecord[],
  namespaces: readonly NamespaceRecord[],
): string[] {
  const result = new Set<string>([bundle.namespace]);
  for (const m of mappingsInBundleNamespace) {
    if (m.namespace !== bundle.namespace || m.bundleSelector === null || m.namespaceSelector === null) {
      continue;
    }
    const bundleSel = tryCompileSelector(m.bundleSelector);
    const nsSel = tryCompileSelector(m.namespaceSelector);
    if (!bundleSel || !nsSel || !bundleSel.matches(bundle.labels)) continue;
    for (const ns of namespaces) if (nsSel.matches(namespaceLabels(ns))) result.add(ns.name);
  }
  return [...result].sort();
}

/**
 * A Namespace's labels. Kubernetes (since 1.21) always sets `kubernetes.io/metadata.name` to the
 * name; it is added here too in case an API server (an emulator, an old cluster) did not.
 */
function namespaceLabels(ns: NamespaceRecord): Labels {
  return ns.labels[LABEL_NAMESPACE_NAME] === ns.name
    ? ns.labels
    : { ...ns.labels, [LABEL_NAMESPACE_NAME]: ns.name };
}
