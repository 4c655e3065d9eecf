import { describe, expect, it } from 'vitest';
import type { BundleState } from '../../../apis/fleet.js';
import type { BundleDeploymentRecord } from '../../store/records.js';
import {
  GIT_UPDATING,
  WAIT_CHECK_IN,
  bundleStatusFromTargets,
  clusterStatusFromDeployments,
  groupStatusFromMembers,
  statusFromDeployments,
} from './summaries.js';
import {
  aBundle,
  aCluster,
  aDeployment,
  aGitRepoBundle,
  aGroup,
  snapshotOf,
} from '../../../../test/support/fleet-builders.js';
import { FleetView } from './view.js';

const counts = (ready: number) => ({
  ready,
  desiredReady: 2,
  waitApplied: 0,
  modified: 0,
  orphaned: 0,
  missing: 0,
  unknown: 0,
  notReady: 0,
});

describe('GitRepo status from BundleDeployments (docs/fleet/state.md §5.4)', () => {
  const c1 = aCluster({ name: 'c1' });
  const c2 = aCluster({ name: 'c2' });
  const web = aBundle({ name: 'app-web', repoName: 'app' });
  const db = aBundle({ name: 'app-db', repoName: 'app' });
  const bd = (b: typeof web, c: typeof c1, state: BundleState, message?: string) =>
    aDeployment({ bundle: b, cluster: c, state, message, resourceCounts: counts(state === 'Ready' ? 2 : 1) });

  it('counts one per BD, desiredReady = number of BDs, ratio display', () => {
    const s = statusFromDeployments([bd(web, c1, 'Ready'), bd(db, c1, 'NotReady'), bd(web, c2, 'Ready')], {
      gitJobStatus: 'Current',
    });
    expect(s.summary).toMatchObject({ ready: 2, notReady: 1, desiredReady: 3 });
    expect(s.display.readyBundleDeployments).toBe('2/3');
  });
  it('desiredReadyClusters counts distinct clusters; readyClusters those where every BD is Ready', () => {
    const s = statusFromDeployments([bd(web, c1, 'Ready'), bd(db, c1, 'NotReady'), bd(web, c2, 'Ready')], {
      gitJobStatus: 'Current',
    });
    expect([s.readyClusters, s.desiredReadyClusters]).toEqual([1, 2]);
  });
  it('display state and message come from the worst BD; error when the message is non-empty', () => {
    const s = statusFromDeployments(
      [bd(web, c1, 'NotReady', 'slow'), bd(db, c1, 'ErrApplied', 'boom'), bd(web, c2, 'Modified', 'drift')],
      { gitJobStatus: 'Current' },
    );
    expect(s.display).toMatchObject({ state: 'ErrApplied', message: 'boom', error: true });
  });
  it('a fully ready GitRepo shows an empty state and no error', () => {
    const s = statusFromDeployments([bd(web, c1, 'Ready')], { gitJobStatus: 'Current' });
    expect(s.display).toEqual({ readyBundleDeployments: '1/1', state: '', message: '', error: false });
  });
  it.each(['InProgress', 'Failed', 'Terminating', undefined])(
    'gitJobStatus %s overrides the state to GitUpdating',
    (g) => {
      expect(statusFromDeployments([bd(web, c1, 'Ready')], { gitJobStatus: g }).display.state).toBe(
        GIT_UPDATING,
      );
    },
  );
  it('HelmOps have no GitUpdating override', () => {
    expect(statusFromDeployments([bd(web, c1, 'NotReady')]).display.state).toBe('NotReady');
  });
  it('resourceCounts is the sum over BDs', () => {
    const s = statusFromDeployments([bd(web, c1, 'Ready'), bd(db, c1, 'NotReady')], {
      gitJobStatus: 'Current',
    });
    expect(s.resourceCounts).toMatchObject({ ready: 3, desiredReady: 4 });
  });
  it('no BDs: zeros and "0/0" (Pending targets are not counted)', () => {
    const s = statusFromDeployments([], { gitJobStatus: 'Current' });
    expect([
      s.summary.desiredReady,
      s.readyClusters,
      s.desiredReadyClusters,
      s.display.readyBundleDeployments,
    ]).toEqual([0, 0, 0, '0/0']);
  });
});

describe('Bundle status from targets (docs/fleet/state.md §5.3)', () => {
  it('counts each target, Pending for targets without a BD, names clusterNs/clusterName', () => {
    const c1 = aCluster({ name: 'c1' });
    const c2 = aCluster({ name: 'c2', clusterNamespace: undefined });
    const c3 = aCluster({ name: 'c3' });
    const b = aGitRepoBundle({ name: 'app-web', repoName: 'app', gitTargets: [{ clusterSelector: {} }] });
    const view = new FleetView(
      snapshotOf([
        c1,
        c2,
        c3,
        b,
        aDeployment({ bundle: b, cluster: c1 }),
        aDeployment({ bundle: b, cluster: c3, state: 'Modified' }),
      ]),
    );
    const s = bundleStatusFromTargets(view.targetedClusters(b));
    expect(s.summary).toMatchObject({ ready: 1, pending: 1, modified: 1, desiredReady: 3 });
    expect(s.summary.nonReadyResources?.map((r) => r.name)).toEqual(['fleet-default/c2', 'fleet-default/c3']);
    expect(s.display).toEqual({ readyClusters: '1/3', state: 'Modified' });
  });
});

describe('Cluster status (docs/fleet/state.md §5.5)', () => {
  const exists = { gitRepo: (_: string, n: string) => n !== 'gone', helmOp: () => true };
  it('WaitCheckIn when the agent never checked in', () => {
    const c = aCluster({ name: 'c', lastSeen: undefined });
    expect(clusterStatusFromDeployments(c, [], exists).display.state).toBe(WAIT_CHECK_IN);
  });
  it('a GitRepo is ready on the cluster as soon as any one of its BDs is Ready (ORed); gone GitRepos are not counted', () => {
    const c = aCluster({ name: 'c' });
    const a1 = aDeployment({
      bundle: aBundle({ name: 'a-1', repoName: 'a' }),
      cluster: c,
      state: 'NotReady',
    });
    const a2 = aDeployment({ bundle: aBundle({ name: 'a-2', repoName: 'a' }), cluster: c });
    const b1 = aDeployment({
      bundle: aBundle({ name: 'b-1', repoName: 'b' }),
      cluster: c,
      state: 'NotReady',
    });
    const g1 = aDeployment({ bundle: aBundle({ name: 'g-1', repoName: 'gone' }), cluster: c });
    const s = clusterStatusFromDeployments(c, [a1, a2, b1, g1], exists);
    expect([s.readyGitRepos, s.desiredReadyGitRepos]).toEqual([1, 2]);
    expect(s.display).toEqual({ readyBundles: '2/4', state: 'NotReady' });
  });
});

describe('ClusterGroup status (docs/fleet/state.md §5.6)', () => {
  it('sums members; non-ready clusters are listed in readyClusters', () => {
    const s = groupStatusFromMembers([
      { name: 'a', summary: { ready: 2, desiredReady: 2 } },
      {
        name: 'b',
        summary: {
          ready: 1,
          desiredReady: 2,
          notReady: 1,
          nonReadyResources: [{ name: 'x', bundleState: 'NotReady' }],
        },
      },
    ]);
    expect(s).toMatchObject({ clusterCount: 2, nonReadyClusterCount: 1, nonReadyClusters: ['b'] });
    expect(s.summary).toMatchObject({ ready: 3, desiredReady: 4, notReady: 1 });
    expect(s.display).toEqual({ readyClusters: '1/2 (b)', readyBundles: '3/4', state: 'NotReady' });
  });
  it('a group with a null selector has no clusters', () => {
    const view = new FleetView(snapshotOf([aCluster({ name: 'a' }), aGroup({ name: 'g', selector: null })]));
    const g = view.snapshot.get('ClusterGroup', 'fleet-default/g')!;
    expect(
      groupStatusFromMembers(
        view.clustersOf(g).map((c) => ({ name: c.name, summary: { ready: 0, desiredReady: 0 } })),
      ),
    ).toMatchObject({
      clusterCount: 0,
      display: { readyClusters: '0/0' },
    });
  });
});

describe('Bundle status judges each BD by its staged deployment ID (v0.16+)', () => {
  const c = aCluster({ name: 'c' });
  const b = aGitRepoBundle({ name: 'app-web', repoName: 'app', gitTargets: [{ clusterSelector: {} }] });
  const ready = aDeployment({ bundle: b, cluster: c });
  const installed = { type: 'Installed', status: 'True', reason: '', message: 'installed old' };
  // Rows name the Fleet rule: target/target.go Target.state/message use effectiveDeployment, whose
  // spec.deploymentID is the newly computed (= staged) ID; summary.go GetDeploymentState then runs.
  it.each<[string, Partial<BundleDeploymentRecord>, BundleState, string]>([
    [
      'effectiveDeployment: a paused/held-back target (deploymentID held, new ID staged) is WaitApplied',
      { stagedDeploymentID: 's-new:opts2', conditions: [installed] },
      'WaitApplied',
      '',
    ],
    [
      'effectiveDeployment + GetDeploymentState: held back with Deployed=False is ErrApplied',
      {
        stagedDeploymentID: 's-new:opts2',
        conditions: [{ type: 'Deployed', status: 'False', reason: 'Error', message: 'boom' }],
      },
      'ErrApplied',
      'boom',
    ],
    [
      'effectiveDeployment: nothing staged leaves the BD as it is (deploymentID ≠ staged "": OutOfSync)',
      { stagedDeploymentID: '' },
      'OutOfSync',
      '',
    ],
    [
      'effectiveDeployment: applied = staged (agent applied the staged ID) and ready is Ready',
      { stagedDeploymentID: 's-new:opts2', appliedDeploymentID: 's-new:opts2' },
      'Ready',
      '',
    ],
  ])('%s', (_rule, fields, want, message) => {
    const bd = { ...ready, ...fields };
    const view = new FleetView(snapshotOf([c, b, bd]));
    const s = bundleStatusFromTargets(view.targetedClusters(b));
    expect(s.summary.desiredReady).toBe(1);
    expect(s.display.state).toBe(want === 'Ready' ? '' : want);
    expect(s.summary.nonReadyResources ?? []).toEqual(
      want === 'Ready' ? [] : [{ name: 'fleet-default/c', bundleState: want, message }],
    );
  });
});
