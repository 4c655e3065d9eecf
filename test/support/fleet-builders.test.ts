import { describe, expect, it } from 'vitest';
import { aBundle, aCluster, aDeployment, aNamespace, snapshotOf } from './fleet-builders.js';

describe('snapshotOf (test fixture)', () => {
  const cluster = aCluster({ name: 'c1', labels: { env: 'prod' } });
  const bundle = aBundle({ name: 'app-web', repoName: 'app' });
  const bd = aDeployment({ bundle, cluster });
  const snap = snapshotOf([cluster, bundle, bd, aNamespace({ name: 'fleet-default' })]);

  it('links a deployment to its bundle, GitRepo and cluster namespace by labels', () => {
    expect(snap.deploymentsOfBundle('fleet-default', 'app-web')).toEqual([bd]);
    expect(snap.deploymentsOfGitRepo('fleet-default', 'app')).toEqual([bd]);
    expect(snap.deploymentsInNamespace(cluster.clusterNamespace!)).toEqual([bd]);
    expect(snap.bundlesOfGitRepo('fleet-default', 'app')).toEqual([bundle]);
    expect(snap.clusterByClusterNamespace(cluster.clusterNamespace!)).toBe(cluster);
  });

  it('lists by kind and namespace, gets by key, and names workspaces', () => {
    expect(snap.get('Cluster', 'fleet-default/c1')).toBe(cluster);
    expect(snap.list('Bundle', 'fleet-local')).toEqual([]);
    expect(snap.list('Namespace').map((n) => n.labels['kubernetes.io/metadata.name'])).toEqual([
      'fleet-default',
    ]);
    expect(snap.workspaces()).toEqual(['fleet-default']);
  });

  it('lets a cluster have no status.namespace yet', () => {
    expect(aCluster({ name: 'new', clusterNamespace: undefined }).clusterNamespace).toBeUndefined();
  });
});
