import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.js';
import { ErrorCode } from '../../shared/errors.js';
import { createReadModel } from './model.js';
import {
  aBundle,
  aCluster,
  aDeployment,
  aGitRepo,
  aGitRepoBundle,
  aGroup,
  snapshotOf,
} from '../../../test/support/fleet-builders.js';
import { ConsistencyTracker } from './live/tracker.js';

const prod = aCluster({ name: 'prod', labels: { env: 'prod' } });
const dev = aCluster({ name: 'dev', labels: { env: 'dev' } });
const fresh = aCluster({ name: 'fresh', labels: { env: 'prod' }, clusterNamespace: undefined });
const local = aCluster({ name: 'local', namespace: 'fleet-local', labels: { name: 'local' } });
const prodGroup = aGroup({ name: 'prod', selector: { matchLabels: { env: 'prod' } } });
const repo = aGitRepo({ name: 'app', labels: { team: 'one' } });
const other = aGitRepo({ name: 'other' });
const web = aGitRepoBundle({
  name: 'app-web',
  repoName: 'app',
  gitTargets: [{ name: 'prod', clusterGroup: 'prod' }],
  dependsOn: [{ name: 'app-db' }],
});
const db = aGitRepoBundle({
  name: 'app-db',
  repoName: 'app',
  gitTargets: [{ clusterSelector: {} }],
  dependsOn: [{ name: 'app-web' }],
});
const agent = aBundle({ name: 'fleet-agent-prod', targets: [{ clusterName: 'prod' }] });
const webOnProd = aDeployment({
  bundle: web,
  cluster: prod,
  state: 'NotReady',
  dependsOn: [{ name: 'app-db' }],
});
const dbOnProd = aDeployment({ bundle: db, cluster: prod });
const dbOnDev = aDeployment({ bundle: db, cluster: dev, state: 'Modified' });
const orphan = aDeployment({ bundle: web, cluster: dev });
const records = [
  prod,
  dev,
  fresh,
  local,
  prodGroup,
  repo,
  other,
  web,
  db,
  agent,
  webOnProd,
  dbOnProd,
  dbOnDev,
  orphan,
];
const snap = snapshotOf(records, { revision: 7, takenAt: 1000 });
const model = createReadModel(snap);
const keys = (xs: readonly { key: string }[]) => xs.map((x) => x.key);

describe('createReadModel: lists and filters', () => {
  it('lists by workspace, name and label selector, in key order', () => {
    expect(keys(model.clusters())).toEqual([
      'fleet-default/dev',
      'fleet-default/fresh',
      'fleet-default/prod',
      'fleet-local/local',
    ]);
    expect(keys(model.clusters({ workspace: 'fleet-local' }))).toEqual(['fleet-local/local']);
    expect(keys(model.clusters({ labelSelector: 'env in (prod)' }))).toEqual([
      'fleet-default/fresh',
      'fleet-default/prod',
    ]);
    expect(keys(model.gitRepos({ name: 'app' }))).toEqual(['fleet-default/app']);
  });
  it('an invalid labelSelector is INVALID_SELECTOR', () => {
    expect(() => model.gitRepos({ labelSelector: 'env in (' })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_SELECTOR }),
    );
  });
  it('hides agent bundles unless asked (docs/fleet/operations.md §8.1)', () => {
    expect(keys(model.bundles())).toEqual(['fleet-default/app-db', 'fleet-default/app-web']);
    expect(keys(model.bundles({ includeAgentBundles: true }))).toContain('fleet-default/fleet-agent-prod');
    expect(keys(model.bundles({ gitRepo: 'other' }))).toEqual([]);
    expect(keys(model.bundles({ workspace: 'fleet-default', gitRepo: 'app' }))).toEqual([
      'fleet-default/app-db',
      'fleet-default/app-web',
    ]);
  });
  it('filters BundleDeployments by derived state, cluster, bundle and GitRepo', () => {
    expect(model.bundleDeployments({ states: ['Modified'] })).toEqual([dbOnDev]);
    expect(model.bundleDeployments({ workspace: 'fleet-default', cluster: 'prod' })).toEqual([
      dbOnProd,
      webOnProd,
    ]);
    expect(model.bundleDeployments({ bundle: 'app-web' })).toEqual([orphan, webOnProd]);
    expect(model.bundleDeployments({ workspace: 'fleet-default', gitRepo: 'app' })).toHaveLength(4);
  });
  it('names workspaces', () => expect(model.workspaces()).toEqual(['fleet-default', 'fleet-local']));
});

describe('createReadModel: edges and derived state', () => {
  it('links both ways', () => {
    expect(model.bundleOfDeployment(webOnProd)).toBe(web);
    expect(model.clusterOfDeployment(webOnProd)).toBe(prod);
    expect(model.gitRepoOfBundle(web)).toBe(repo);
    expect(model.deploymentsOfCluster(fresh)).toEqual([]);
    expect(model.groupsOfCluster(prod)).toEqual([prodGroup]);
    expect(keys(model.clustersOfGroup(prodGroup))).toEqual(['fleet-default/fresh', 'fleet-default/prod']);
  });
  it('targetedClusters pairs clusters with their BD, or Pending', () => {
    const t = model.targetedClusters(web);
    expect(
      t.map((x) => [x.cluster.name, x.bundleDeployment?.key ?? null, x.state, x.match.clusterGroup]),
    ).toEqual([
      ['fresh', null, 'Pending', 'prod'],
      ['prod', webOnProd.key, 'NotReady', 'prod'],
    ]);
  });
  it('gitReposTargetingCluster', () => {
    const got = model.gitReposTargetingCluster(dev);
    expect(got.map((g) => [g.gitRepo.name, g.match.targetIndex])).toEqual([['app', 0]]);
  });
  it('recomputes GitRepo, Bundle, Cluster and ClusterGroup status', () => {
    expect(model.recomputedGitRepoStatus(repo)).toMatchObject({
      readyClusters: 0,
      desiredReadyClusters: 2,
      display: { readyBundleDeployments: '2/4' },
    });
    expect(model.recomputedBundleSummary(web)).toMatchObject({ pending: 1, notReady: 1, desiredReady: 2 });
    // The orphan on dev is left out of dev's status (docs/fleet/state.md §5.5).
    expect(model.recomputedClusterStatus(dev).display).toEqual({ readyBundles: '0/1', state: 'Modified' });
    expect(model.recomputedClusterGroupStatus(prodGroup).display.readyClusters).toBe('1/2 (prod)');
  });
  it('dependency graph: dependsOn, dependents, blockers, cycles', () => {
    expect(model.dependsOn(web).map((d) => keys(d.bundles))).toEqual([['fleet-default/app-db']]);
    expect(keys(model.dependents(db))).toEqual(['fleet-default/app-web']);
    expect(model.blockers(webOnProd)).toEqual([]);
    expect(
      model.blockers(aDeployment({ bundle: web, cluster: dev, dependsOn: [{ name: 'app-db' }] }))[0]
        ?.notReady,
    ).toEqual([dbOnDev]);
    expect(model.dependencyCycles(web)).toEqual([['fleet-default/app-web', 'fleet-default/app-db']]);
  });
  it('previewGitRepoRetarget plans per Bundle', () => {
    // Generation 2 not yet observed by Fleet: no Bundle is taken for a fleet.yaml override.
    const plans = model.previewGitRepoRetarget({ ...repo, generation: 2 }, [{ clusterName: 'dev' }]);
    expect(
      plans.map((p) => [p.bundle.name, p.added.map((c) => c.name), p.removed.map((c) => c.name)]),
    ).toEqual([
      ['app-db', [], ['fresh', 'prod']],
      ['app-web', ['dev'], ['fresh', 'prod']],
    ]);
  });
  it('previewTargets validates and matches', () => {
    expect(
      keys(model.previewTargets('fleet-default', [{ clusterGroup: 'prod' }]).map((p) => p.cluster)),
    ).toEqual(['fleet-default/fresh', 'fleet-default/prod']);
    expect(() =>
      model.previewTargets('fleet-default', [
        { clusterSelector: { matchExpressions: [{ key: 'x', operator: 'in' }] } },
      ]),
    ).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_SELECTOR }));
  });
});

describe('createReadModel: inconsistencies', () => {
  it('finds them on the snapshot, filters, and takes firstSeenAt from the tracker', async () => {
    const clock = new ManualClock(500);
    const tracker = new ConsistencyTracker({ clock });
    tracker.update(snap);
    await clock.advance(2000);
    const m = createReadModel(snap, { tracker, clock });
    expect(m.now).toBe(2500);
    const stale = m.inconsistencies({ kinds: ['STALE_DEPLOYMENT'] });
    expect(stale.map((f) => [f.id, f.firstSeenAt])).toEqual([[`stale:${dev.clusterNamespace}/app-web`, 500]]);
    expect(m.inconsistencies({ cluster: 'dev', kinds: ['STALE_DEPLOYMENT'] })).toHaveLength(1);
    expect(m.inconsistencies({ workspace: 'fleet-local' })).toEqual([]);
    expect(m.inconsistenciesOf(web).map((f) => f.kind)).toEqual(['STALE_DEPLOYMENT']);
    expect(m.inconsistenciesOf(repo).length).toBeGreaterThan(1);
  });
  it('without a tracker, stamps findings with now', () => {
    expect(model.inconsistencies().every((f) => f.firstSeenAt === 1000)).toBe(true);
  });
});
