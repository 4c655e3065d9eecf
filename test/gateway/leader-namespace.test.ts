/** Where the leader Lease lives: the setting wins; only the in-cluster backend looks at the pod's namespace. */
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { leaderElectionNamespace } from '../../src/gateway/gateway.js';

it('uses --leader-election-namespace when set, and default for the simulator and kubeconfig backends', () => {
  expect(leaderElectionNamespace(loadConfig(['--leader-election-namespace', 'fleet-graph'], {}))).toBe(
    'fleet-graph',
  );
  expect(leaderElectionNamespace(loadConfig([], {}))).toBe('default');
  expect(leaderElectionNamespace(loadConfig(['--backend', 'kubeconfig'], {}))).toBe('default');
});
