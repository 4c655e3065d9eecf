/**
 * Fleet's BundleDeployment states (docs/fleet/state.md §5.1) as a GraphQL enum. This is the one place that
 * maps Fleet's strings (`ErrApplied`) to the schema's names (`ERR_APPLIED`).
 */
import type { BundleState } from '../../../apis/fleet.js';
import { builder } from '../builder.js';

const STATES: Record<string, { value: BundleState; description: string }> = {
  READY: { value: 'Ready', description: 'Deployed and every resource is ready (Fleet `Ready`).' },
  NOT_READY: {
    value: 'NotReady',
    description: 'Deployed, but some resources are not ready yet (Fleet `NotReady`).',
  },
  WAIT_APPLIED: {
    value: 'WaitApplied',
    description: 'Waiting for the agent to apply the desired deployment (Fleet `WaitApplied`).',
  },
  ERR_APPLIED: {
    value: 'ErrApplied',
    description: 'The agent failed to apply the deployment, or a dependency blocks it (Fleet `ErrApplied`).',
  },
  OUT_OF_SYNC: {
    value: 'OutOfSync',
    description: 'A newer deployment is staged but not yet promoted, e.g. while paused (Fleet `OutOfSync`).',
  },
  PENDING: {
    value: 'Pending',
    description: 'Targeted, but no BundleDeployment exists for the cluster yet (Fleet `Pending`).',
  },
  MODIFIED: {
    value: 'Modified',
    description: 'Deployed resources were changed, added or removed outside Fleet (Fleet `Modified`).',
  },
};

const BY_FLEET_NAME = new Map<string, BundleState>(Object.values(STATES).map((s) => [s.value, s.value]));

/** Fleet's state string as the enum's internal value; undefined for anything else (`WaitCheckIn`, ''). */
export function toBundleState(fleetState: string | undefined | null): BundleState | undefined {
  return fleetState ? BY_FLEET_NAME.get(fleetState) : undefined;
}

export const BundleStateEnum = builder.enumType('BundleState', {
  description: "A BundleDeployment's state as Fleet derives it, best first.",
  values: STATES,
});
