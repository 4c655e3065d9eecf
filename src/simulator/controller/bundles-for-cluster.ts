/**
 * Fleet's `BundlesForCluster` (target/query.go, the same in every version): the Bundles in a
 * Cluster's scope — those in its namespace (agent bundles only its own) and those a
 * BundleNamespaceMapping exports to that namespace — split into the ones whose targets select a
 * deployment target for it (`BundleMatch.Match`, doNotDeploy ignored) and the rest. The bundle
 * controller's Cluster watch re-queues the first set; the Cluster reconciler deletes the BDs of
 * the second. Bundles whose targets do not compile are in neither ("ignore bad app bundle").
 */
import type { Bundle, Cluster } from '../../apis/fleet.js';
import { AGENT_BUNDLE_OBJECTSET_ID, ANNOTATION_OBJECTSET_ID } from '../../apis/labels.js';
import type { FleetContext } from './context.js';
import { BundleMatcher, candidateNamespaces, clusterGroupsForCluster, TargetingError } from './targeting.js';

export interface BundlesForCluster {
  readonly refresh: Bundle[];
  readonly cleanup: Bundle[];
}

export function bundlesForCluster(ctx: FleetContext, cluster: Cluster): BundlesForCluster {
  const refresh: Bundle[] = [];
  const cleanup: Bundle[] = [];
  const mappings = ctx.caches.mappings.list();
  const namespaces = ctx.caches.namespaces.list();
  const groups = clusterGroupsForCluster(cluster, ctx.caches.clusterGroups.list());
  for (const bundle of ctx.caches.bundles.list()) {
    const agentBundle = bundle.metadata.annotations?.[ANNOTATION_OBJECTSET_ID] === AGENT_BUNDLE_OBJECTSET_ID;
    if (agentBundle && bundle.metadata.name !== `fleet-agent-${cluster.metadata.name ?? ''}`) continue;
    try {
      if (!candidateNamespaces(bundle, mappings, namespaces).has(cluster.metadata.namespace ?? '')) continue;
      if (new BundleMatcher(bundle).matchedTarget(cluster, groups)) refresh.push(bundle);
      else cleanup.push(bundle);
    } catch (e) {
      if (!(e instanceof TargetingError)) throw e;
    }
  }
  return { refresh, cleanup };
}
