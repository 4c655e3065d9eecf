/**
 * The per-cluster agent bundle agent management keeps for every managed cluster (docs/fleet/operations.md
 * §8.1): `fleet-agent-<cluster>` in the Cluster's namespace, marked with the objectset annotation,
 * targeting exactly that cluster unless it carries the non-managed-agent label, and without a
 * repo-name label. Pure.
 */
import type { Bundle, Cluster } from '../../apis/fleet.js';
import {
  AGENT_BUNDLE_OBJECTSET_ID,
  ANNOTATION_OBJECTSET_ID,
  LABEL_NON_MANAGED_AGENT,
} from '../../apis/labels.js';
import { safeConcatName } from './naming.js';

/** Where the agent runs on the downstream cluster. */
export const AGENT_NAMESPACE = 'cattle-fleet-system';

export function agentBundleName(clusterName: string): string {
  return safeConcatName('fleet-agent', clusterName);
}

export function agentBundleFor(cluster: Cluster): Bundle {
  const name = cluster.metadata.name ?? '';
  return {
    metadata: {
      name: agentBundleName(name),
      namespace: cluster.metadata.namespace ?? '',
      annotations: { [ANNOTATION_OBJECTSET_ID]: AGENT_BUNDLE_OBJECTSET_ID },
    },
    spec: {
      defaultNamespace: AGENT_NAMESPACE,
      helm: { releaseName: 'fleet-agent', chart: 'fleet-agent', takeOwnership: true },
      resources: [
        {
          name: 'fleet-agent.yaml',
          content: `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: fleet-agent, namespace: ${AGENT_NAMESPACE}}\n`,
        },
      ],
      targets: [
        {
          clusterName: name,
          clusterSelector: { matchExpressions: [{ key: LABEL_NON_MANAGED_AGENT, operator: 'DoesNotExist' }] },
        },
      ],
    },
  };
}
