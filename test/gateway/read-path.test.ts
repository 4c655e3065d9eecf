/**
 * The read path through the whole HTTP pipeline (yoga.fetch, no socket) over a fixed fleet: every
 * edge, every filter, pagination, targetPreview, inconsistencies, bad input codes.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.js';
import { aCluster, aMapping, aNamespace, snapshotOf } from '../support/fleet-builders.js';
import { demoRecords, demoSnapshot, WS } from './fixtures.js';
import { appOver, codes, post, run, type TestApp } from './support.js';

let t: TestApp;
beforeEach(() => {
  t = appOver(demoSnapshot());
});

const GitRepoDetail = graphql(`
  query GitRepoDetail($namespace: String!, $name: String!) {
    gitRepo(namespace: $namespace, name: $name) {
      id
      namespace
      name
      labels {
        key
        value
      }
      workspace {
        name
      }
      targets {
        name
        clusterGroup
        clusterName
        clusterSelector {
          text
        }
      }
      status {
        readyClusters
        desiredReadyClusters
        display {
          readyBundleDeployments
          state
        }
        summary {
          ready
          desiredReady
        }
      }
      recomputedStatus {
        readyClusters
        desiredReadyClusters
        summary {
          ready
          desiredReady
          notReady
          errApplied
        }
      }
      bundles {
        totalCount
        edges {
          node {
            name
          }
        }
      }
      bundleDeployments(states: [READY]) {
        totalCount
        edges {
          node {
            clusterName
            state
          }
        }
      }
      inconsistencies {
        kind
      }
    }
  }
`);

const BundleTargets = graphql(`
  query BundleTargets($namespace: String!, $name: String!, $states: [BundleState!]) {
    bundle(namespace: $namespace, name: $name) {
      name
      gitRepo {
        name
      }
      targetedClusters(states: $states) {
        totalCount
        edges {
          node {
            cluster {
              namespace
              name
            }
            state
            match {
              matched
              targetName
              clusterGroup
              reason
            }
            bundleDeployment {
              name
              namespace
            }
          }
        }
      }
      dependsOn {
        requirement {
          name
        }
        acceptedStates
        bundles {
          name
        }
      }
      dependents {
        name
      }
      dependencyCycles {
        bundleKeys
      }
      bundleDeployments {
        totalCount
        edges {
          node {
            clusterName
          }
        }
      }
    }
  }
`);

const DeploymentEdges = graphql(`
  query DeploymentEdges(
    $cluster: String
    $states: [BundleState!]
    $bundle: String
    $gitRepo: String
    $workspace: String
  ) {
    bundleDeployments(
      cluster: $cluster
      states: $states
      bundle: $bundle
      gitRepo: $gitRepo
      workspace: $workspace
    ) {
      totalCount
      edges {
        node {
          name
          state
          blocked
          blockers {
            name
            missing
            acceptedStates
            notReady {
              name
              clusterName
              state
            }
            reason
          }
          bundle {
            name
            gitRepo {
              name
            }
            helmOp {
              name
            }
          }
          cluster {
            name
            groups {
              name
            }
          }
          gitRepo {
            name
          }
          helmOp {
            name
          }
        }
      }
    }
  }
`);

const ClusterEdges = graphql(`
  query ClusterEdges($namespace: String!, $name: String!) {
    cluster(namespace: $namespace, name: $name) {
      name
      clusterNamespace
      groups {
        name
        clusters {
          totalCount
          edges {
            node {
              name
            }
          }
        }
      }
      gitRepos {
        gitRepo {
          name
        }
        match {
          matched
          targetName
          clusterGroup
        }
      }
      bundleDeployments {
        totalCount
        edges {
          node {
            name
            bundle {
              name
              gitRepo {
                name
              }
            }
          }
        }
      }
      inconsistencies {
        kind
      }
    }
  }
`);

const Lists = graphql(`
  query Lists($workspace: String, $name: String, $selector: LabelSelectorInput) {
    workspaces {
      name
      gitRepos {
        totalCount
      }
      clusters {
        totalCount
      }
    }
    gitRepos(workspace: $workspace, name: $name, labelSelector: $selector) {
      totalCount
      edges {
        node {
          name
        }
      }
    }
    clusters(workspace: $workspace, labelSelector: $selector) {
      totalCount
      edges {
        node {
          name
        }
      }
    }
    clusterGroups(workspace: $workspace) {
      totalCount
      edges {
        node {
          name
          selector {
            text
          }
          clusters {
            totalCount
          }
        }
      }
    }
    bundles(workspace: $workspace, labelSelector: $selector) {
      totalCount
      edges {
        node {
          name
        }
      }
    }
    helmOps(workspace: $workspace) {
      totalCount
      edges {
        node {
          name
          bundles {
            edges {
              node {
                name
              }
            }
          }
        }
      }
    }
  }
`);

const ClusterPage = graphql(`
  query ClusterPage($first: Int, $after: String, $last: Int, $before: String) {
    clusters(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
      edges {
        cursor
        node {
          name
        }
      }
    }
  }
`);

const NodeById = graphql(`
  query NodeById($id: ID!) {
    node(id: $id) {
      id
      __typename
      ... on FleetObject {
        namespace
        name
      }
    }
  }
`);

const Preview = graphql(`
  query Preview($namespace: String!, $targets: [GitTargetInput!]!, $name: String, $labels: [LabelInput!]) {
    targetPreview(namespace: $namespace, targets: $targets, name: $name, labels: $labels) {
      cluster {
        name
      }
      match {
        matched
        targetName
        clusterGroup
        reason
      }
    }
  }
`);

const Findings = graphql(`
  query Findings($kinds: [InconsistencyKind!], $gitRepo: String, $cluster: String, $workspace: String) {
    inconsistencies(kinds: $kinds, gitRepo: $gitRepo, cluster: $cluster, workspace: $workspace) {
      totalCount
      edges {
        node {
          kind
          reason
          firstSeenAt
          ageSeconds
          field
          reported
          actual
          gitRepoRef {
            name
          }
          clusterRef {
            name
          }
          bundleDeploymentRef {
            namespace
            name
          }
          bundle {
            name
          }
          cluster {
            name
          }
        }
      }
    }
  }
`);

const Version = graphql(`
  query Version {
    version
  }
`);

describe('GitRepo', () => {
  it('serves fields, targets, both status versions, bundles and deployments', async () => {
    const r = await run(t.app, GitRepoDetail, { namespace: WS, name: 'app' });
    expect(r.errors).toBeUndefined();
    const g = r.data!.gitRepo!;
    expect(g.name).toBe('app');
    expect(g.workspace.name).toBe(WS);
    expect(g.labels).toContainEqual({ key: 'team', value: 'one' });
    expect(g.targets).toEqual([
      { name: 'prod', clusterGroup: 'prod', clusterName: null, clusterSelector: null },
    ]);
    expect(g.status.readyClusters).toBe(3);
    expect(g.bundles.edges.map((e) => e.node.name)).toEqual(['app-db', 'app-main']);
    expect(g.bundles.totalCount).toBe(2);
    // Recomputed from what exists: 4 deployments (db NotReady, main ErrApplied/Ready/Ready).
    expect(g.recomputedStatus.summary.desiredReady).toBe(4);
    expect(g.recomputedStatus.summary.ready).toBe(2);
    expect(g.bundleDeployments.edges.every((e) => e.node.state === 'READY')).toBe(true);
    expect(g.bundleDeployments.totalCount).toBe(2);
    expect(g.inconsistencies.map((i) => i.kind)).toContain('STATUS_MISMATCH');
  });

  it('answers null for an unknown GitRepo, not an error', async () => {
    const r = await run(t.app, GitRepoDetail, { namespace: WS, name: 'nope' });
    expect(r.errors).toBeUndefined();
    expect(r.data!.gitRepo).toBeNull();
  });
});

describe('Bundle', () => {
  it('lists targeted clusters with the match, the deployment, and Pending where none exists', async () => {
    const r = await run(t.app, BundleTargets, { namespace: WS, name: 'app-db' });
    expect(r.errors).toBeUndefined();
    const b = r.data!.bundle!;
    expect(b.gitRepo?.name).toBe('app');
    const byCluster = Object.fromEntries(b.targetedClusters.edges.map((e) => [e.node.cluster.name, e.node]));
    expect(Object.keys(byCluster).sort()).toEqual(['prod-eu', 'prod-us']);
    expect(byCluster['prod-eu']!.state).toBe('NOT_READY');
    expect(byCluster['prod-eu']!.bundleDeployment?.name).toBe('app-db');
    expect(byCluster['prod-us']!.state).toBe('PENDING');
    expect(byCluster['prod-us']!.bundleDeployment).toBeNull();
    expect(byCluster['prod-us']!.match).toMatchObject({
      matched: true,
      targetName: 'prod',
      clusterGroup: 'prod',
    });
    expect(b.dependents.map((d) => d.name)).toEqual(['app-main']);
  });

  it('filters targeted clusters by state', async () => {
    const r = await run(t.app, BundleTargets, { namespace: WS, name: 'app-db', states: ['PENDING'] });
    expect(r.data!.bundle!.targetedClusters.edges.map((e) => e.node.cluster.name)).toEqual(['prod-us']);
    expect(r.data!.bundle!.targetedClusters.totalCount).toBe(1);
  });

  it('resolves dependsOn and reports dependency cycles', async () => {
    const main = await run(t.app, BundleTargets, { namespace: WS, name: 'app-main' });
    expect(main.data!.bundle!.dependsOn).toEqual([
      { requirement: { name: 'app-db' }, acceptedStates: ['READY'], bundles: [{ name: 'app-db' }] },
    ]);
    const x = await run(t.app, BundleTargets, { namespace: WS, name: 'cycle-x' });
    expect(x.data!.bundle!.dependencyCycles.length).toBeGreaterThan(0);
    expect(x.data!.bundle!.dependencyCycles[0]!.bundleKeys).toEqual(
      expect.arrayContaining([`${WS}/cycle-x`, `${WS}/cycle-y`]),
    );
  });
});

const Recomputed = graphql(`
  query Recomputed {
    broken: bundle(namespace: "fleet-default", name: "broken") {
      targetingError {
        message
        problems {
          field
          message
        }
      }
      targetedClusters {
        totalCount
      }
    }
    db: bundle(namespace: "fleet-default", name: "app-db") {
      targetingError {
        message
      }
      recomputedStatus {
        readyClusters
        state
        bundleState
        summary {
          pending
          notReady
          desiredReady
        }
      }
    }
    cluster(namespace: "fleet-default", name: "prod-eu") {
      recomputedStatus {
        readyBundles
        bundleState
        summary {
          desiredReady
        }
      }
    }
    clusterGroup(namespace: "fleet-default", name: "prod") {
      recomputedStatus {
        clusterCount
        nonReadyClusterCount
        nonReadyClusters
      }
    }
  }
`);

describe('recomputed statuses and targeting errors', () => {
  it('recomputes Bundle, Cluster and ClusterGroup status from what exists', async () => {
    const r = await run(t.app, Recomputed);
    expect(r.errors).toBeUndefined();
    expect(r.data!.db!.targetingError).toBeNull();
    expect(r.data!.db!.recomputedStatus).toMatchObject({
      readyClusters: '0/2',
      summary: { pending: 1, notReady: 1, desiredReady: 2 },
    });
    expect(r.data!.cluster!.recomputedStatus.summary.desiredReady).toBeGreaterThan(0);
    // A cluster's status counts the deployments that exist: prod-us has only Ready ones (app-db is
    // still Pending there), prod-eu has a NotReady one.
    expect(r.data!.clusterGroup!.recomputedStatus).toEqual({
      clusterCount: 2,
      nonReadyClusterCount: 1,
      nonReadyClusters: ['prod-eu'],
    });
  });

  it('names the targeting error of a Bundle Fleet cannot target, instead of an empty answer', async () => {
    const r = await run(t.app, Recomputed);
    const broken = r.data!.broken!;
    expect(broken.targetingError?.message).toMatch(/^targeting error/);
    expect(broken.targetingError?.problems[0]?.field).toContain('operator');
    expect(broken.targetedClusters.totalCount).toBe(0);
  });
});

describe('BundleDeployment', () => {
  it('links bundle, gitRepo, cluster and groups, and names what blocks it', async () => {
    const r = await run(t.app, DeploymentEdges, { cluster: 'prod-eu', bundle: 'app-main', workspace: WS });
    expect(r.errors).toBeUndefined();
    expect(r.data!.bundleDeployments.totalCount).toBe(1);
    const bd = r.data!.bundleDeployments.edges[0]!.node;
    expect(bd.bundle?.name).toBe('app-main');
    expect(bd.bundle?.gitRepo?.name).toBe('app');
    expect(bd.gitRepo?.name).toBe('app');
    expect(bd.cluster?.name).toBe('prod-eu');
    expect(bd.cluster?.groups.map((g) => g.name)).toEqual(['prod']);
    expect(bd.blocked).toBe(true);
    expect(bd.blockers[0]).toMatchObject({ name: 'app-db', missing: false, acceptedStates: ['READY'] });
    expect(bd.blockers[0]!.notReady.map((n) => n.state)).toEqual(['NOT_READY']);
  });

  it('filters by state, gitRepo and helmOp origin', async () => {
    const err = await run(t.app, DeploymentEdges, { states: ['ERR_APPLIED'] });
    expect(err.data!.bundleDeployments.edges.map((e) => e.node.name).sort()).toEqual([
      'app-main',
      'cycle-x',
      'cycle-y',
    ]);
    const repo = await run(t.app, DeploymentEdges, { gitRepo: 'app' });
    expect(repo.data!.bundleDeployments.totalCount).toBe(4);
    const modified = await run(t.app, DeploymentEdges, { states: ['MODIFIED'] });
    expect(modified.data!.bundleDeployments.edges[0]!.node.helmOp?.name).toBe('monitoring');
    expect(modified.data!.bundleDeployments.edges[0]!.node.bundle?.helmOp?.name).toBe('monitoring');
  });
});

describe('Cluster and ClusterGroup', () => {
  it('links groups, their clusters, deployments and the GitRepos that target it', async () => {
    const r = await run(t.app, ClusterEdges, { namespace: WS, name: 'prod-us' });
    expect(r.errors).toBeUndefined();
    const c = r.data!.cluster!;
    expect(c.groups.map((g) => g.name)).toEqual(['prod']);
    expect(c.groups[0]!.clusters.edges.map((e) => e.node.name)).toEqual(['prod-eu', 'prod-us']);
    expect(c.gitRepos).toEqual([
      { gitRepo: { name: 'app' }, match: { matched: true, targetName: 'prod', clusterGroup: 'prod' } },
    ]);
    expect(c.bundleDeployments.edges.map((e) => e.node.bundle?.gitRepo?.name)).toEqual(['app']);
    expect(c.inconsistencies.map((i) => i.kind)).toContain('MISSING_DEPLOYMENT');
  });
});

describe('lists and filters', () => {
  it('lists workspaces and filters every list by workspace', async () => {
    const r = await run(t.app, Lists, { workspace: 'fleet-local' });
    expect(r.errors).toBeUndefined();
    expect(r.data!.workspaces.map((w) => w.name)).toEqual(['fleet-default', 'fleet-local']);
    expect(r.data!.gitRepos.edges.map((e) => e.node.name)).toEqual(['base']);
    expect(r.data!.clusters.edges.map((e) => e.node.name)).toEqual(['local']);
    expect(r.data!.clusterGroups.edges[0]!.node).toEqual({
      name: 'default',
      selector: { text: 'name=local' },
      clusters: { totalCount: 1 },
    });
    expect(r.data!.helmOps.totalCount).toBe(0);
  });

  it('filters by name and by a typed label selector', async () => {
    const byName = await run(t.app, Lists, { name: 'app' });
    expect(byName.data!.gitRepos.edges.map((e) => e.node.name)).toEqual(['app']);
    const sel = await run(t.app, Lists, {
      workspace: WS,
      selector: {
        matchExpressions: [{ key: 'env', operator: 'IN', values: ['prod'] }],
        matchLabels: [{ key: 'region', value: 'us' }],
      },
    });
    expect(sel.data!.clusters.edges.map((e) => e.node.name)).toEqual(['prod-us']);
    const team = await run(t.app, Lists, { selector: { matchLabels: [{ key: 'team', value: 'one' }] } });
    expect(team.data!.bundles.edges.map((e) => e.node.name)).toEqual(['app-db', 'app-main']);
    expect(team.data!.gitRepos.edges.map((e) => e.node.name)).toEqual(['app']);
    const helm = await run(t.app, Lists, { workspace: WS });
    expect(helm.data!.helmOps.edges[0]!.node.bundles.edges.map((e) => e.node.name)).toEqual(['monitoring']);
  });

  it('rejects an invalid selector with INVALID_SELECTOR and the field path', async () => {
    const r = await run(t.app, Lists, {
      selector: { matchExpressions: [{ key: 'env', operator: 'IN', values: [] }] },
    });
    expect(codes(r)).toContain('INVALID_SELECTOR');
    expect(JSON.stringify(r.errors![0]!.extensions)).toContain('labelSelector.matchExpressions[0].values');
    const badKey = await run(t.app, Lists, { selector: { matchLabels: [{ key: 'not a key', value: 'x' }] } });
    expect(codes(badKey)).toContain('INVALID_SELECTOR');
  });
});

describe('pagination', () => {
  it('pages forward with first/after and backward with last/before, counting all', async () => {
    const p1 = await run(t.app, ClusterPage, { first: 2 });
    expect(p1.data!.clusters.totalCount).toBe(4);
    expect(p1.data!.clusters.edges.map((e) => e.node.name)).toEqual(['dev', 'prod-eu']);
    expect(p1.data!.clusters.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const p2 = await run(t.app, ClusterPage, { first: 2, after: p1.data!.clusters.pageInfo.endCursor });
    expect(p2.data!.clusters.edges.map((e) => e.node.name)).toEqual(['prod-us', 'local']);
    expect(p2.data!.clusters.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const back = await run(t.app, ClusterPage, { last: 1, before: p2.data!.clusters.pageInfo.startCursor });
    expect(back.data!.clusters.edges.map((e) => e.node.name)).toEqual(['prod-eu']);
    expect(back.data!.clusters.pageInfo.hasPreviousPage).toBe(true);
  });

  it('rejects a bad cursor with INVALID_CURSOR and a bad page size with INVALID_ARGUMENT', async () => {
    expect(codes(await run(t.app, ClusterPage, { after: 'not-a-cursor' }))).toEqual(['INVALID_CURSOR']);
    expect(codes(await run(t.app, ClusterPage, { after: 'bm9wZQ' }))).toEqual(['INVALID_CURSOR']);
    expect(codes(await run(t.app, ClusterPage, { first: -1 }))).toEqual(['INVALID_ARGUMENT']);
    expect(codes(await run(t.app, ClusterPage, { first: 100000 }))).toEqual(['INVALID_ARGUMENT']);
  });
});

describe('node', () => {
  it('fetches every kind again by its global ID', async () => {
    const ids = await post<{
      gitRepos: { edges: { node: { id: string } }[] };
      clusters: { edges: { node: { id: string } }[] };
    }>(t.app, {
      query:
        '{ gitRepos(first: 1) { edges { node { id } } } clusters(first: 1) { edges { node { id } } } workspaces { id } bundleDeployments(first: 1) { edges { node { id } } } }',
    });
    const data = ids.data as unknown as Record<
      string,
      { edges?: { node: { id: string } }[] } & { id?: string }[]
    >;
    const all = [
      ...(data['gitRepos'] as unknown as { edges: { node: { id: string } }[] }).edges.map((e) => e.node.id),
      ...(data['clusters'] as unknown as { edges: { node: { id: string } }[] }).edges.map((e) => e.node.id),
      ...(data['bundleDeployments'] as unknown as { edges: { node: { id: string } }[] }).edges.map(
        (e) => e.node.id,
      ),
    ];
    for (const id of all) {
      const r = await run(t.app, NodeById, { id });
      expect(r.errors).toBeUndefined();
      expect(r.data!.node?.id).toBe(id);
    }
    const ws = (data['workspaces'] as unknown as { id: string }[])[0]!.id;
    const w = await run(t.app, NodeById, { id: ws });
    expect(w.data!.node?.__typename).toBe('Workspace');
  });

  it('answers null for a well-formed ID of a missing object, INVALID_ID for a malformed one', async () => {
    const missing = Buffer.from(`GitRepo:${WS}/gone`).toString('base64url');
    const r = await run(t.app, NodeById, { id: missing });
    expect(r.errors).toBeUndefined();
    expect(r.data!.node).toBeNull();
    for (const id of [
      '!!!',
      'Zm9v',
      Buffer.from('Pod:a/b').toString('base64url'),
      Buffer.from('GitRepo:nokey').toString('base64url'),
    ]) {
      expect(codes(await run(t.app, NodeById, { id }))).toEqual(['INVALID_ID']);
    }
  });
});

describe('targetPreview', () => {
  const names = async (targets: unknown[], namespace = WS) => {
    const r = await run(t.app, Preview, { namespace, targets: targets as never });
    expect(r.errors).toBeUndefined();
    return r.data!.targetPreview.map((p) => p.cluster.name).sort();
  };

  it('applies each targeting rule', async () => {
    expect(await names([{ clusterName: 'dev' }])).toEqual(['dev']);
    expect(await names([{ clusterSelector: { matchLabels: [{ key: 'region', value: 'eu' }] } }])).toEqual([
      'dev',
      'prod-eu',
    ]);
    expect(await names([{ clusterGroup: 'prod' }])).toEqual(['prod-eu', 'prod-us']);
    expect(
      await names([{ clusterGroupSelector: { matchLabels: [{ key: 'tier', value: 'prod' }] } }]),
    ).toEqual(['prod-eu', 'prod-us']);
    // Criteria are ANDed within one target.
    expect(
      await names([
        { clusterGroup: 'prod', clusterSelector: { matchLabels: [{ key: 'region', value: 'us' }] } },
      ]),
    ).toEqual(['prod-us']);
    // A target without criteria selects nothing; no targets means the `default` group.
    expect(await names([{ name: 'empty' }])).toEqual([]);
    expect(await names([], 'fleet-local')).toEqual(['local']);
    expect(await names([])).toEqual([]);
  });

  it('names the matching target for each cluster', async () => {
    const r = await run(t.app, Preview, {
      namespace: WS,
      targets: [
        { name: 'by-name', clusterName: 'dev' },
        { name: 'by-group', clusterGroup: 'prod' },
      ],
    });
    const byCluster = Object.fromEntries(r.data!.targetPreview.map((p) => [p.cluster.name, p.match]));
    expect(byCluster['dev']!.targetName).toBe('by-name');
    expect(byCluster['prod-us']).toMatchObject({ targetName: 'by-group', clusterGroup: 'prod' });
    expect(byCluster['prod-us']!.reason).not.toBe('');
  });

  it('exports through a BundleNamespaceMapping by the GitRepo name and labels the Bundles would carry', async () => {
    // gitops/reconciler/gitjob.go: Bundles get the GitRepo's labels plus `repo-name: <gitrepo>`.
    const app = appOver(
      snapshotOf([
        ...demoRecords(),
        aNamespace({ name: 'shared', labels: { exported: 'yes' } }),
        aCluster({ name: 'shared-1', namespace: 'shared' }),
        aMapping({
          name: 'by-repo',
          bundleSelector: { matchLabels: { 'fleet.cattle.io/repo-name': 'shared-app' } },
          namespaceSelector: { matchLabels: { exported: 'yes' } },
        }),
        aMapping({
          name: 'by-team',
          bundleSelector: { matchLabels: { team: 'one' } },
          namespaceSelector: { matchLabels: { exported: 'yes' } },
        }),
      ]),
    ).app;
    const reach = async (vars: { name?: string; labels?: { key: string; value: string }[] }) => {
      const r = await run(app, Preview, { namespace: WS, targets: [{ clusterName: 'shared-1' }], ...vars });
      expect(r.errors).toBeUndefined();
      return r.data!.targetPreview.map((p) => p.cluster.name);
    };
    expect(await reach({})).toEqual([]);
    expect(await reach({ name: 'shared-app' })).toEqual(['shared-1']);
    expect(await reach({ name: 'other', labels: [{ key: 'team', value: 'one' }] })).toEqual(['shared-1']);
    expect(await reach({ name: 'other', labels: [{ key: 'team', value: 'two' }] })).toEqual([]);
  });

  it('rejects invalid selectors with INVALID_SELECTOR and their path', async () => {
    const r = await run(t.app, Preview, {
      namespace: WS,
      targets: [
        { clusterName: 'dev' },
        { clusterSelector: { matchExpressions: [{ key: 'env', operator: 'EXISTS', values: ['x'] }] } },
      ],
    });
    expect(codes(r)).toEqual(['INVALID_SELECTOR']);
    expect(JSON.stringify(r.errors![0]!.extensions)).toContain(
      'targets[1].clusterSelector.matchExpressions[0].values',
    );
  });
});

describe('inconsistencies', () => {
  it('reports stale, missing and mismatched status, with reason and age', async () => {
    const all = await run(t.app, Findings, {});
    expect(all.errors).toBeUndefined();
    const kinds = all.data!.inconsistencies.edges.map((e) => e.node.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['STALE_DEPLOYMENT', 'MISSING_DEPLOYMENT', 'STATUS_MISMATCH']),
    );
    const stale = await run(t.app, Findings, { kinds: ['STALE_DEPLOYMENT'], workspace: WS });
    const s = stale
      .data!.inconsistencies.edges.map((e) => e.node)
      .find((n) => n.clusterRef?.name === 'dev' && n.bundle?.name === 'app-main');
    expect(s).toBeDefined();
    expect(s!.reason).not.toBe('');
    expect(s!.ageSeconds).toBe(0);
    await t.clock.advance(90_000);
    const later = await run(t.app, Findings, { kinds: ['STALE_DEPLOYMENT'], cluster: 'dev' });
    const s2 = later
      .data!.inconsistencies.edges.map((e) => e.node)
      .find((n) => n.bundle?.name === 'app-main')!;
    expect(s2.firstSeenAt).toBe(s!.firstSeenAt);
    expect(s2.ageSeconds).toBe(90);
    const missing = await run(t.app, Findings, { kinds: ['MISSING_DEPLOYMENT'], gitRepo: 'app' });
    expect(missing.data!.inconsistencies.edges.map((e) => e.node.clusterRef?.name)).toContain('prod-us');
    const mismatch = await run(t.app, Findings, { kinds: ['STATUS_MISMATCH'], gitRepo: 'app' });
    const m = mismatch.data!.inconsistencies.edges[0]!.node;
    expect(m.field).not.toBeNull();
    expect(m.reported).not.toBe(m.actual);
  });
});

describe('version and errors', () => {
  it('reports its version', async () => {
    expect((await run(t.app, Version)).data!.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('keeps validation errors with their code and never leaks internals', async () => {
    const r = await post(t.app, { query: '{ gitRepos { nope } }' });
    expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    // Field suggestions are blocked, so the schema is not spelled out to a prober.
    expect(r.errors![0]!.message).not.toContain('Did you mean');
  });
});
