/**
 * A small fleet described with the fleet/ fixture builders, covering every edge the schema has:
 * a GitRepo targeting a ClusterGroup, a Pending cluster, a stale (orphaned) deployment, a status
 * that disagrees, Bundle dependencies with a blocked deployment and a cycle, a HelmOp, and the
 * bootstrap workspace.
 */
import {
  aBundle,
  aCluster,
  aDeployment,
  aGitRepo,
  aGitRepoBundle,
  aGroup,
  aHelmOp,
  snapshotOf,
} from '../support/fleet-builders.js';
import type { FleetRecord } from '../../src/gateway/fleet/rules/read-model.js';

export const WS = 'fleet-default';

export function demoRecords(): FleetRecord[] {
  const prodEu = aCluster({ name: 'prod-eu', labels: { env: 'prod', region: 'eu' } });
  const prodUs = aCluster({ name: 'prod-us', labels: { env: 'prod', region: 'us' } });
  const dev = aCluster({ name: 'dev', labels: { env: 'dev', region: 'eu' } });
  const local = aCluster({ name: 'local', namespace: 'fleet-local', labels: { name: 'local' } });
  const prodGroup = aGroup({
    name: 'prod',
    selector: { matchLabels: { env: 'prod' } },
    labels: { tier: 'prod' },
  });
  const defaultGroup = aGroup({
    name: 'default',
    namespace: 'fleet-local',
    selector: { matchLabels: { name: 'local' } },
  });
  const gitTargets = [{ name: 'prod', clusterGroup: 'prod' }];
  const app = aGitRepo({
    name: 'app',
    labels: { team: 'one' },
    targets: gitTargets,
    // Fleet still reports the dev cluster it deployed to before the retarget.
    status: {
      readyClusters: 3,
      desiredReadyClusters: 3,
      display: { readyBundleDeployments: '4/4', state: '' },
    },
  });
  const db = aGitRepoBundle({ name: 'app-db', repoName: 'app', gitTargets, labels: { team: 'one' } });
  const main = aGitRepoBundle({
    name: 'app-main',
    repoName: 'app',
    gitTargets,
    labels: { team: 'one' },
    dependsOn: [{ name: 'app-db' }],
  });
  const x = aBundle({ name: 'cycle-x', targets: [{ clusterName: 'dev' }], dependsOn: [{ name: 'cycle-y' }] });
  const y = aBundle({ name: 'cycle-y', targets: [{ clusterName: 'dev' }], dependsOn: [{ name: 'cycle-x' }] });
  const monitoring = aHelmOp({
    name: 'monitoring',
    targets: [{ clusterSelector: { matchLabels: { region: 'eu' } } }],
  });
  const monitoringBundle = aBundle({
    name: 'monitoring',
    helmOpName: 'monitoring',
    targets: [{ clusterSelector: { matchLabels: { region: 'eu' } } }],
  });
  // Fleet cannot compile this selector, so it reports a targeting error and deploys nowhere.
  const broken = aBundle({
    name: 'broken',
    targets: [{ clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Bogus', values: ['x'] }] } }],
  });
  const localRepo = aGitRepo({ name: 'base', namespace: 'fleet-local' });
  const localBundle = aGitRepoBundle({
    name: 'base-main',
    namespace: 'fleet-local',
    repoName: 'base',
    gitTargets: [],
  });
  return [
    prodEu,
    prodUs,
    dev,
    local,
    prodGroup,
    defaultGroup,
    app,
    db,
    main,
    x,
    y,
    monitoring,
    monitoringBundle,
    broken,
    localRepo,
    localBundle,
    // app-db: NotReady on prod-eu, nothing yet on prod-us (Pending).
    aDeployment({ bundle: db, cluster: prodEu, state: 'NotReady' }),
    // app-main: deployed on prod-eu (blocked by app-db there) and prod-us.
    aDeployment({
      bundle: main,
      cluster: prodEu,
      state: 'ErrApplied',
      message: 'dependent bundle(s) are not ready',
    }),
    aDeployment({ bundle: main, cluster: prodUs, state: 'Ready' }),
    // A leftover of an earlier target list: dev is no longer targeted (rancher/fleet#3437).
    aDeployment({ bundle: main, cluster: dev, state: 'Ready' }),
    aDeployment({ bundle: x, cluster: dev, state: 'ErrApplied' }),
    aDeployment({ bundle: y, cluster: dev, state: 'ErrApplied' }),
    aDeployment({ bundle: monitoringBundle, cluster: prodEu, state: 'Modified' }),
    aDeployment({ bundle: localBundle, cluster: local, state: 'Ready' }),
  ];
}

export function demoSnapshot() {
  return snapshotOf(demoRecords(), { takenAt: Date.UTC(2026, 0, 1, 0, 1) });
}
