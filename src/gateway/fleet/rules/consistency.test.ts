import { describe, expect, it } from 'vitest';
import type { FleetRecord } from '../../store/records.js';
import { allFindings, removalReason } from './consistency.js';
import {
  aBundle,
  aCluster,
  aDeployment,
  aGitRepo,
  aGitRepoBundle,
  aHelmOp,
  snapshotOf,
} from '../../../../test/support/fleet-builders.js';
import { FleetView } from './view.js';

const prod = aCluster({ name: 'prod', labels: { env: 'prod' } });
const dev = aCluster({ name: 'dev', labels: { env: 'dev' } });
const fresh = aCluster({ name: 'fresh', labels: { env: 'prod' }, clusterNamespace: undefined });
const prodOnly = aGitRepoBundle({
  name: 'app-web',
  repoName: 'app',
  gitTargets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }],
});
const consistentRepo = aGitRepo({
  name: 'app',
  status: {
    readyClusters: 1,
    desiredReadyClusters: 1,
    summary: { ready: 1, desiredReady: 1 },
    display: { readyBundleDeployments: '1/1' },
  },
});

const findings = (records: FleetRecord[]) => allFindings(new FleetView(snapshotOf(records)));

describe('consistency findings', () => {
  it('none when BDs match targets and status agrees', () => {
    expect(
      findings([prod, dev, prodOnly, consistentRepo, aDeployment({ bundle: prodOnly, cluster: prod })]),
    ).toEqual([]);
  });

  it('STALE_DEPLOYMENT: the Bundle no longer targets the cluster (rancher/fleet#3437), with the match reason', () => {
    const f = findings([
      prod,
      dev,
      prodOnly,
      aDeployment({ bundle: prodOnly, cluster: prod }),
      aDeployment({ bundle: prodOnly, cluster: dev }),
    ]).filter((x) => x.kind === 'STALE_DEPLOYMENT');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      id: `stale:${dev.clusterNamespace}/app-web`,
      workspace: 'fleet-default',
      gitRepo: { namespace: 'fleet-default', name: 'app' },
      bundle: { name: 'app-web' },
      cluster: { namespace: 'fleet-default', name: 'dev' },
    });
    expect(f[0]!.reason).toMatch(
      /current targets no longer select cluster fleet-default\/dev \(.*clusterSelector "env=prod" does not match/,
    );
  });

  it('STALE_DEPLOYMENT: a cluster in a namespace no BundleNamespaceMapping exports to (docs/fleet/targeting.md §4.2)', () => {
    const shared = aCluster({ name: 'edge', namespace: 'shared' });
    const everywhere = aGitRepoBundle({
      name: 'app-web',
      repoName: 'app',
      gitTargets: [{ clusterSelector: {} }],
    });
    const [f] = findings([shared, everywhere, aDeployment({ bundle: everywhere, cluster: shared })]);
    expect(f).toMatchObject({
      kind: 'STALE_DEPLOYMENT',
      cause: 'TARGET_REMOVED',
      cluster: { namespace: 'shared', name: 'edge' },
    });
    expect(f?.reason).toMatch(/no BundleNamespaceMapping exports the Bundle there/);
  });

  it('STALE_DEPLOYMENT: terminating BDs are included and say so', () => {
    const bd = aDeployment({ bundle: prodOnly, cluster: dev, deletionTimestamp: '2026-01-01T00:00:05Z' });
    const [f] = findings([prod, dev, prodOnly, bd]).filter((x) => x.kind === 'STALE_DEPLOYMENT');
    expect(f?.reason).toMatch(/already terminating/);
  });

  it('STALE_DEPLOYMENT: the Bundle is gone', () => {
    const [f] = findings([prod, aDeployment({ bundle: 'old-bundle', cluster: prod, repoName: 'app' })]);
    expect(f).toMatchObject({ kind: 'STALE_DEPLOYMENT', bundle: { name: 'old-bundle' } });
    expect(f?.reason).toMatch(/Bundle fleet-default\/old-bundle no longer exists/);
  });

  it('STALE_DEPLOYMENT: the Bundle is being deleted', () => {
    const deleting = aGitRepoBundle({
      name: 'app-web',
      repoName: 'app',
      gitTargets: [{ clusterSelector: {} }],
      deletionTimestamp: '2026-01-01T00:00:00Z',
    });
    const [f] = findings([prod, deleting, aDeployment({ bundle: deleting, cluster: prod })]);
    expect(f?.reason).toMatch(/is being deleted/);
  });

  it('MISSING_DEPLOYMENT: a targeted cluster with status.namespace but no BD', () => {
    const f = findings([prod, fresh, prodOnly]);
    expect(f.map((x) => x.id)).toEqual(['missing:fleet-default/app-web@fleet-default/prod']);
  });

  // Rows name the Fleet rule that held the BD back, as the Bundle status shows it; the reason
  // blames exactly that one (and maxNew only when status.newlyCreated reached it).
  it.each<[string, Parameters<typeof aGitRepoBundle>[0]['status'], number, RegExp, RegExp | null]>([
    [
      'bundle_controller.go: observedGeneration behind generation (not reconciled yet)',
      { observedGeneration: 1 },
      2,
      /has not reconciled generation 2 yet/,
      /maxNew/,
    ],
    [
      'bundle_controller.go updateErrorStatus: Ready False, reason Error',
      {
        conditions: [{ type: 'Ready', status: 'False', reason: 'Error', message: 'no content' }],
      },
      1,
      /last reconcile failed.*no content/,
      /maxNew/,
    ],
    [
      'target/partition.go UpdatePartitions: status.newlyCreated reached maxNew (default 50)',
      { newlyCreated: 50 },
      1,
      /rolloutStrategy.maxNew \(50\)/,
      null,
    ],
    [
      'target/partition.go UpdatePartitions: unavailablePartitions > maxUnavailablePartitions stops the rollout',
      { unavailablePartitions: 2, maxUnavailablePartitions: 1 },
      1,
      /rollout stopped: 2 partitions are unavailable/,
      /maxNew/,
    ],
    [
      'none of the above: the reconciler has not run since the cluster appeared',
      {},
      1,
      /names no cause/,
      /maxNew \(/,
    ],
  ])('MISSING_DEPLOYMENT reason: %s', (_rule, status, generation, want, notWant) => {
    const b = aGitRepoBundle({
      name: 'app-web',
      repoName: 'app',
      generation,
      gitTargets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }],
      status,
    });
    const [f] = findings([prod, b]);
    expect(f?.kind).toBe('MISSING_DEPLOYMENT');
    expect(f!.reason).toMatch(want);
    if (notWant) expect(f!.reason).not.toMatch(notWant);
  });

  it("MISSING_DEPLOYMENT names the Bundle's own maxNew", () => {
    const b = aGitRepoBundle({
      name: 'app-web',
      repoName: 'app',
      gitTargets: [{ clusterSelector: {} }],
      rolloutStrategy: { maxNew: 1 },
      status: { newlyCreated: 1 },
    });
    const [f] = findings([prod, b]);
    expect(f!.reason).toMatch(/rolloutStrategy.maxNew \(1\)/);
  });

  it('no findings for a Bundle with a targeting error (Fleet leaves its BDs alone)', () => {
    const broken = aBundle({
      name: 'broken',
      targets: [{ clusterSelector: { matchExpressions: [{ key: 'a', operator: 'Nope' }] } }],
    });
    expect(findings([prod, broken, aDeployment({ bundle: broken, cluster: prod })])).toEqual([]);
  });

  it('STATUS_MISMATCH: one finding per disagreeing field, with reported and actual values', () => {
    const repo = aGitRepo({
      name: 'app',
      status: {
        readyClusters: 2,
        desiredReadyClusters: 2,
        summary: { ready: 2, desiredReady: 2 },
        display: { readyBundleDeployments: '2/2' },
      },
    });
    const f = findings([prod, prodOnly, repo, aDeployment({ bundle: prodOnly, cluster: prod })]);
    expect(f.map((x) => [x.field, x.reported, x.actual])).toEqual([
      ['desiredReadyClusters', '2', '1'],
      ['display.readyBundleDeployments', '2/2', '1/1'],
      ['readyClusters', '2', '1'],
      ['summary.desiredReady', '2', '1'],
      ['summary.ready', '2', '1'],
    ]);
    expect(f[0]).toMatchObject({
      kind: 'STATUS_MISMATCH',
      id: 'mismatch:GitRepo:fleet-default/app:desiredReadyClusters',
      gitRepo: { name: 'app' },
    });
  });

  it('STATUS_MISMATCH also for HelmOps', () => {
    const op = aHelmOp({
      name: 'op',
      status: { readyClusters: 0, desiredReadyClusters: 0, summary: { ready: 0, desiredReady: 0 } },
    });
    const b = aBundle({ name: 'op', helmOpName: 'op', targets: [{ clusterSelector: {} }] });
    const f = findings([prod, op, b, aDeployment({ bundle: b, cluster: prod })]);
    expect(f.map((x) => x.id)).toContain('mismatch:HelmOp:fleet-default/op:summary.desiredReady');
  });
});

describe('removalReason (docs/fleet/lifecycle.md §6)', () => {
  const repo = aGitRepo({ name: 'app' });
  const bd = aDeployment({ bundle: prodOnly, cluster: prod });
  const rows: { rule: string; records: FleetRecord[]; want: string }[] = [
    {
      rule: 'the Bundle no longer targets the cluster',
      records: [repo, prodOnly, aCluster({ name: 'prod', labels: { env: 'dev' } })],
      want: 'TARGET_REMOVED',
    },
    { rule: 'the Bundle is gone while its GitRepo exists', records: [repo, prod], want: 'BUNDLE_DELETED' },
    {
      rule: 'the Bundle is being deleted',
      records: [repo, prod, { ...prodOnly, deletionTimestamp: '2026-01-01T00:00:00Z' }],
      want: 'BUNDLE_DELETED',
    },
    { rule: 'the GitRepo and its Bundle are gone (cascade)', records: [prod], want: 'GITREPO_DELETED' },
    {
      rule: 'the GitRepo is being deleted and its Bundle is gone',
      records: [prod, { ...repo, deletionTimestamp: '2026-01-01T00:00:00Z' }],
      want: 'GITREPO_DELETED',
    },
    { rule: 'the Cluster is gone', records: [repo, prodOnly], want: 'CLUSTER_DELETED' },
    { rule: 'still targeted: no visible reason', records: [repo, prodOnly, prod], want: 'UNKNOWN' },
  ];
  it.each(rows)('$rule', ({ records, want }) => {
    expect(removalReason(new FleetView(snapshotOf(records)), bd)).toBe(want);
  });

  it('stale findings carry their cause', () => {
    const [f] = findings([
      prod,
      aDeployment({ bundle: 'old-bundle', cluster: prod, repoName: 'app' }),
      repo,
    ]).filter((x) => x.kind === 'STALE_DEPLOYMENT');
    expect(f?.cause).toBe('BUNDLE_DELETED');
  });
});
