/** The simulated fleet.yaml (GitRepo annotation): read as `fleet apply` reads a fleet.yaml. */
import { describe, expect, it } from 'vitest';
import type { GitRepo } from '../../apis/fleet.js';
import { ANNOTATION_SIMULATED_FLEET_YAML, bundlesForGitRepo } from './gitops.js';

const repo = (fleetYaml?: string): GitRepo => ({
  metadata: {
    name: 'r',
    namespace: 'ws',
    ...(fleetYaml === undefined ? {} : { annotations: { [ANNOTATION_SIMULATED_FLEET_YAML]: fleetYaml } }),
  },
  spec: { repo: 'https://example.com/r', targets: [{ name: 'all', clusterSelector: {} }] },
});

describe('simulated fleet.yaml', () => {
  it('puts options on the Bundle and customizations before the GitRepo targets', () => {
    const [b] = bundlesForGitRepo(
      repo(
        [
          'helm: {values: {a: "${ .ClusterName }"}}',
          'targetCustomizationMode: AllMatches',
          'targetCustomizations:',
          '- name: dev',
          '  clusterSelector: {matchLabels: {env: dev}}',
          '  doNotDeploy: true',
        ].join('\n'),
      ),
    );
    expect(b?.spec.helm).toEqual({ values: { a: '${ .ClusterName }' } });
    expect(b?.spec.targetCustomizationMode).toBe('AllMatches');
    expect(b?.spec.targets).toEqual([
      { name: 'dev', clusterSelector: { matchLabels: { env: 'dev' } }, doNotDeploy: true },
      { name: 'all', clusterSelector: {} },
    ]);
    expect(b?.spec.targetRestrictions).toEqual([{ name: 'all', clusterSelector: {} }]);
  });

  it('ignores an annotation that is not a YAML map', () => {
    expect(bundlesForGitRepo(repo('- a\n- b'))[0]?.spec.targets).toEqual([
      { name: 'all', clusterSelector: {} },
    ]);
    expect(bundlesForGitRepo(repo(': [')).length).toBe(1);
  });
});
