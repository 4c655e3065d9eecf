import { describe, expect, it } from 'vitest';
import type { BundleDeployment, BundleState } from '../../apis/fleet.js';
import {
  bundleDeploymentDisplay,
  bundleDeploymentLabels,
  bundleStatusFromTargets,
  clusterGroupStatusFromClusters,
  clusterStatusFromDeployments,
  gitRepoStatusFromDeployments,
} from './rollups.js';
import {
  deploymentMessage,
  deploymentState,
  emptySummary,
  incrementState,
  readyMessage,
  setCondition,
} from './state.js';

type BD = Pick<BundleDeployment, 'spec' | 'status'>;

const rows: [string, BD, BundleState][] = [
  [
    'applied ≠ desired, Deployed=False → ErrApplied',
    {
      spec: { deploymentID: 'b' },
      status: { appliedDeploymentID: 'a', conditions: [{ type: 'Deployed', status: 'False' }] },
    },
    'ErrApplied',
  ],
  [
    'applied ≠ desired → WaitApplied',
    { spec: { deploymentID: 'b' }, status: { appliedDeploymentID: 'a' } },
    'WaitApplied',
  ],
  ['no status at all → WaitApplied', { spec: { deploymentID: 'b' } }, 'WaitApplied'],
  [
    'applied but not ready → NotReady',
    {
      spec: { deploymentID: 'a', stagedDeploymentID: 'a' },
      status: { appliedDeploymentID: 'a', ready: false },
    },
    'NotReady',
  ],
  [
    'ready but staged ≠ deployed → OutOfSync',
    {
      spec: { deploymentID: 'a', stagedDeploymentID: 'b' },
      status: { appliedDeploymentID: 'a', ready: true },
    },
    'OutOfSync',
  ],
  [
    'ready, in sync, modified → Modified',
    {
      spec: { deploymentID: 'a', stagedDeploymentID: 'a' },
      status: { appliedDeploymentID: 'a', ready: true, nonModified: false },
    },
    'Modified',
  ],
  [
    'everything fine → Ready',
    {
      spec: { deploymentID: 'a', stagedDeploymentID: 'a' },
      status: { appliedDeploymentID: 'a', ready: true, nonModified: true },
    },
    'Ready',
  ],
];

describe('deploymentState (docs/fleet/state.md §5.1)', () => {
  it.each(rows)('%s', (_n, bd, want) => {
    expect(deploymentState(bd)).toBe(want);
  });

  it('message comes from Deployed, then Installed (only when applied is current), then Monitored', () => {
    const conds = [
      { type: 'Installed', status: 'True', message: 'inst' },
      { type: 'Monitored', status: 'True', message: 'mon' },
    ];
    expect(
      deploymentMessage({
        spec: { deploymentID: 'a' },
        status: { appliedDeploymentID: 'a', conditions: conds },
      }),
    ).toBe('inst');
    expect(
      deploymentMessage({
        spec: { deploymentID: 'b' },
        status: { appliedDeploymentID: 'a', conditions: conds },
      }),
    ).toBe('mon');
  });

  it('display shows "Error: <message>" for conditions with reason Error', () => {
    const d = bundleDeploymentDisplay({
      spec: { deploymentID: 'b' },
      status: {
        conditions: [
          { type: 'Deployed', status: 'False', reason: 'Error', message: 'boom' },
          { type: 'Monitored', status: 'True' },
        ],
      },
    });
    expect(d).toEqual({ deployed: 'Error: boom', monitored: 'True', state: 'ErrApplied' });
  });
});

describe('ready message (docs/fleet/state.md §5.2)', () => {
  it('is empty when all are ready and names the first entry per state, sorted', () => {
    const s = emptySummary();
    incrementState(s, 'c1', 'Ready');
    expect(readyMessage(s, 'Cluster')).toBe('');
    incrementState(s, 'ns/c2', 'NotReady', '', undefined, [
      {
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        namespace: 'd',
        name: 'x',
        summary: { state: 'progressing' },
      },
    ]);
    incrementState(s, 'ns/c3', 'ErrApplied', 'boom');
    incrementState(s, 'ns/c4', 'ErrApplied', 'other');
    expect(readyMessage(s, 'Cluster')).toBe(
      'ErrApplied(2) [Cluster ns/c3: boom]; NotReady(1) [Cluster ns/c2]; deployment.apps/v1 d/x [progressing]',
    );
  });

  it('keeps at most 10 non-ready entries', () => {
    const s = emptySummary();
    for (let i = 0; i < 12; i++) incrementState(s, `c${i}`, 'WaitApplied');
    expect(s.waitApplied).toBe(12);
    expect(s.nonReadyResources).toHaveLength(10);
  });

  it('conditions keep lastTransitionTime while the status holds', () => {
    const a = setCondition(undefined, { type: 'Ready', status: 'False', message: 'x' }, 't1');
    const b = setCondition(a, { type: 'Ready', status: 'False', message: 'y' }, 't2');
    expect(b[0]).toMatchObject({ lastTransitionTime: 't1', lastUpdateTime: 't2', message: 'y' });
  });
});

const ready = (name: string, cluster: string, repo = 'r'): BundleDeployment => ({
  metadata: {
    name,
    namespace: `cluster-${cluster}`,
    labels: {
      'fleet.cattle.io/repo-name': repo,
      'fleet.cattle.io/bundle-namespace': 'ws',
      'fleet.cattle.io/cluster-namespace': 'ws',
      'fleet.cattle.io/cluster': cluster,
    },
  },
  spec: { deploymentID: 'a', stagedDeploymentID: 'a' },
  status: {
    appliedDeploymentID: 'a',
    ready: true,
    nonModified: true,
    resourceCounts: {
      ready: 2,
      desiredReady: 2,
      waitApplied: 0,
      modified: 0,
      orphaned: 0,
      missing: 0,
      unknown: 0,
      notReady: 0,
    },
  },
});
const waiting = (name: string, cluster: string): BundleDeployment => ({
  ...ready(name, cluster),
  status: {},
});

describe('roll-ups (docs/fleet/state.md §5.3–5.6)', () => {
  it('BD labels follow Target.BundleDeploymentLabels', () => {
    expect(
      bundleDeploymentLabels(
        {
          team: 'one',
          'management.cattle.io/x': 'y',
          'kubectl.kubernetes.io/last': 'z',
          'fleet.cattle.io/repo-name': 'r',
        },
        { name: 'b', namespace: 'ws' },
        { name: 'c', namespace: 'ws' },
      ),
    ).toEqual({
      team: 'one',
      'fleet.cattle.io/repo-name': 'r',
      'fleet.cattle.io/bundle-name': 'b',
      'fleet.cattle.io/bundle-namespace': 'ws',
      'fleet.cattle.io/managed': 'true',
      'fleet.cattle.io/cluster-namespace': 'ws',
      'fleet.cattle.io/cluster': 'c',
    });
  });

  it('Bundle status counts targets, Pending for those without a BD, and uses the new deployment ID', () => {
    const st = bundleStatusFromTargets(
      [
        { clusterNamespace: 'ws', clusterName: 'a', bd: ready('b', 'a'), deploymentId: 'a' },
        { clusterNamespace: 'ws', clusterName: 'b', bd: ready('b', 'b'), deploymentId: 'new' },
        { clusterNamespace: 'ws', clusterName: 'c', deploymentId: 'a' },
      ],
      { maxNew: 50, newlyCreated: 0 },
    );
    expect(st.summary).toMatchObject({ ready: 1, desiredReady: 3, waitApplied: 1, pending: 1 });
    expect(st.display).toEqual({ readyClusters: '1/3', state: 'WaitApplied' });
  });

  it('GitRepo status is built from BDs and shows GitUpdating while the job runs', () => {
    const st = gitRepoStatusFromDeployments([ready('b1', 'a'), ready('b2', 'a'), waiting('b1', 'b')], {
      gitJobStatus: 'Current',
      bundleReady: [],
      conditions: undefined,
      now: 't',
    });
    expect(st.summary).toMatchObject({ ready: 2, desiredReady: 3, waitApplied: 1 });
    expect(st.display).toMatchObject({ readyBundleDeployments: '2/3', state: 'WaitApplied' });
    expect(st.readyClusters).toBe(1);
    expect(st.desiredReadyClusters).toBe(2);
    expect(st.resourceCounts?.ready).toBe(4);
    expect(st.conditions?.[0]).toMatchObject({
      type: 'Ready',
      status: 'False',
      message: 'WaitApplied(1) [Bundle b1]',
    });
    const updating = gitRepoStatusFromDeployments([], {
      gitJobStatus: 'InProgress',
      bundleReady: [],
      conditions: undefined,
      now: 't',
    });
    expect(updating.display?.state).toBe('GitUpdating');
  });

  it('a Bundle with Ready=False overrides the GitRepo Ready condition', () => {
    const st = gitRepoStatusFromDeployments([], {
      gitJobStatus: 'Current',
      bundleReady: [{ type: 'Ready', status: 'False', message: 'targeting error: x' }],
      conditions: undefined,
      now: 't',
    });
    expect(st.conditions?.[0]).toMatchObject({ status: 'False', message: 'targeting error: x' });
  });

  it('Cluster status: WaitCheckIn before the first check-in; GitRepos ready when any BD is ready', () => {
    const bds = [ready('b1', 'a'), waiting('b2', 'a'), ready('x', 'a', 'gone')];
    const st = clusterStatusFromDeployments(bds, {
      lastSeen: undefined,
      existingGitRepos: new Set(['ws/r']),
      conditions: undefined,
      now: 't',
    });
    expect(st.display).toEqual({ readyBundles: '2/3', state: 'WaitCheckIn' });
    expect(st.readyGitRepos).toBe(1);
    expect(st.desiredReadyGitRepos).toBe(1);
    const seen = clusterStatusFromDeployments(bds, {
      lastSeen: 't',
      existingGitRepos: new Set(),
      conditions: undefined,
      now: 't',
    });
    expect(seen.display?.state).toBe('WaitApplied');
  });

  it('ClusterGroup status sums members and lists the non-ready ones', () => {
    const s1 = emptySummary();
    incrementState(s1, 'b', 'Ready');
    s1.desiredReady = 1;
    const s2 = emptySummary();
    incrementState(s2, 'b', 'NotReady');
    s2.desiredReady = 1;
    const st = clusterGroupStatusFromClusters(
      [
        { metadata: { name: 'c1' }, spec: {}, status: { summary: s1 } },
        { metadata: { name: 'c2' }, spec: {}, status: { summary: s2 } },
      ],
      { conditions: undefined, now: 't' },
    );
    expect(st.display).toEqual({ readyClusters: '1/2 (c2)', readyBundles: '1/2', state: 'NotReady' });
    expect(st.clusterCount).toBe(2);
    expect(st.nonReadyClusters).toEqual(['c2']);
  });
});
