/** Cluster: a downstream cluster, its groups, its deployments, and the GitRepos that reach it. */
import type { RecomputedClusterStatus } from '../../fleet/index.js';
import type { ClusterRecord, GitRepoRecord, TargetMatch } from '../../fleet/rules/read-model.js';
import { LABEL_CLUSTER_DISPLAY_NAME } from '../../../apis/labels.js';
import { builder } from '../builder.js';
import { BundleDeploymentConnectionRef, BundleDeploymentRef } from '../bundledeployment/ref.js';
import { ClusterGroupRef } from '../clustergroup/ref.js';
import { connectionFrom } from '../common/connection.js';
import { listArgs, listFilter, statesArg, withStates } from '../common/filters.js';
import { splitKey } from '../common/ids.js';
import { ConditionRef } from '../common/meta.js';
import { FleetObjectRef, isKind } from '../common/object.js';
import {
  BundleSummaryRef,
  countsOrZero,
  displayBundleStateField,
  ResourceCountsRef,
  summaryOrZero,
} from '../common/status.js';
import { TargetMatchRef } from '../common/targets.js';
import { GitRepoRef } from '../gitrepo/ref.js';
import { InconsistencyRef } from '../inconsistency/ref.js';
import { WorkspaceRef } from '../workspace/ref.js';
import { ClusterConnectionRef, ClusterRef } from './ref.js';

const ClusterStatusRef = builder.objectRef<ClusterRecord['status']>('ClusterStatus').implement({
  description: "A Cluster's status exactly as Fleet reported it.",
  fields: (t) => ({
    summary: t.field({
      type: BundleSummaryRef,
      description: 'Its deployments by state, per Fleet.',
      resolve: (s) => summaryOrZero(s.summary),
    }),
    readyBundles: t.string({
      nullable: true,
      description: 'Ready Bundles over desired, as `R/D` (`status.display.readyBundles`).',
      resolve: (s) => s.display.readyBundles ?? null,
    }),
    state: t.string({
      nullable: true,
      description: 'State as Fleet wrote it (a BundleDeployment state, or `WaitCheckIn`).',
      resolve: (s) => s.display.state ?? null,
    }),
    bundleState: displayBundleStateField(t, '`state` as an enum; null when empty or not a deployment state.'),
    conditions: t.field({
      type: [ConditionRef],
      description: 'Processed, Ready.',
      resolve: (s) => s.conditions,
    }),
    readyGitRepos: t.exposeInt('readyGitRepos', {
      description: 'GitRepos ready on this cluster, per Fleet.',
    }),
    desiredReadyGitRepos: t.exposeInt('desiredReadyGitRepos', {
      description: 'GitRepos deployed to this cluster, per Fleet.',
    }),
    resourceCounts: t.field({
      type: ResourceCountsRef,
      description: 'Resources by state, per Fleet.',
      resolve: (s) => countsOrZero(s.resourceCounts),
    }),
  }),
});

const RecomputedClusterStatusRef = builder
  .objectRef<RecomputedClusterStatus>('RecomputedClusterStatus')
  .implement({
    description:
      "A Cluster's status recomputed by fleet-graph from the deployments on it that their Bundles still target.",
    fields: (t) => ({
      summary: t.field({
        type: BundleSummaryRef,
        description: 'Its deployments by state.',
        resolve: (s) => s.summary,
      }),
      readyBundles: t.string({
        description: 'Ready Bundles over desired, as `R/D`.',
        resolve: (s) => s.display.readyBundles,
      }),
      state: t.string({
        description: 'State as Fleet would write it (a deployment state, or `WaitCheckIn`).',
        resolve: (s) => s.display.state,
      }),
      bundleState: displayBundleStateField(
        t,
        '`state` as an enum; null when empty or not a deployment state.',
      ),
      readyGitRepos: t.exposeInt('readyGitRepos', { description: 'GitRepos ready on this cluster.' }),
      desiredReadyGitRepos: t.exposeInt('desiredReadyGitRepos', {
        description: 'GitRepos deployed to this cluster.',
      }),
      readyHelmOps: t.exposeInt('readyHelmOps', { description: 'HelmOps ready on this cluster.' }),
      desiredReadyHelmOps: t.exposeInt('desiredReadyHelmOps', {
        description: 'HelmOps deployed to this cluster.',
      }),
      resourceCounts: t.field({
        type: ResourceCountsRef,
        description: 'Resources summed over its deployments.',
        resolve: (s) => countsOrZero(s.resourceCounts),
      }),
    }),
  });

const GitRepoTargetingRef = builder
  .objectRef<{ gitRepo: GitRepoRecord; match: TargetMatch }>('GitRepoTargeting')
  .implement({
    description: 'A GitRepo whose Bundles target a cluster, and how the cluster matched.',
    fields: (t) => ({
      gitRepo: t.field({ type: GitRepoRef, description: 'The GitRepo.', resolve: (g) => g.gitRepo }),
      match: t.field({
        type: TargetMatchRef,
        description: 'Which target selected the cluster.',
        resolve: (g) => g.match,
      }),
    }),
  });

builder.node(ClusterRef, {
  description: 'A downstream cluster Fleet deploys to (`Cluster`), registered in a workspace.',
  interfaces: [FleetObjectRef],
  isTypeOf: isKind('Cluster'),
  id: { resolve: (c) => c.key },
  loadOne: (id, ctx) => {
    const { namespace, name } = splitKey(id);
    return ctx.readModel.cluster(namespace, name) ?? null;
  },
  fields: (t) => ({
    workspace: t.field({
      type: WorkspaceRef,
      description: 'The workspace the Cluster is registered in.',
      resolve: (c) => ({ name: c.namespace }),
    }),
    displayName: t.string({
      nullable: true,
      description: 'Rancher display name (label `management.cattle.io/cluster-display-name`).',
      resolve: (c) => c.labels[LABEL_CLUSTER_DISPLAY_NAME] ?? null,
    }),
    clusterNamespace: t.string({
      nullable: true,
      description:
        'The namespace holding its BundleDeployments (`status.namespace`); null until Fleet assigns it.',
      resolve: (c) => c.clusterNamespace ?? null,
    }),
    paused: t.exposeBoolean('paused', { description: 'True when every deployment on it is paused.' }),
    lastSeen: t.field({
      type: 'DateTime',
      nullable: true,
      description: "The agent's last check-in (`status.agent.lastSeen`).",
      resolve: (c) => c.lastSeen || null,
    }),
    status: t.field({
      type: ClusterStatusRef,
      description: 'Status as Fleet reported it.',
      resolve: (c) => c.status,
    }),
    recomputedStatus: t.field({
      type: RecomputedClusterStatusRef,
      description: 'The same numbers recomputed from what exists now, to compare with `status`.',
      resolve: (c, _a, ctx) => ctx.readModel.recomputedClusterStatus(c),
    }),
    groups: t.field({
      type: [ClusterGroupRef],
      description: 'ClusterGroups in its namespace whose selector matches its labels.',
      resolve: (c, _a, ctx) => ctx.readModel.groupsOfCluster(c),
    }),
    bundleDeployments: t.connection(
      {
        type: BundleDeploymentRef,
        description: 'BundleDeployments on this cluster (in its `status.namespace`).',
        args: { ...statesArg },
        resolve: (c, args, ctx) =>
          connectionFrom(
            withStates(ctx.readModel, ctx.readModel.deploymentsOfCluster(c), args.states),
            args,
            (d) => d.key,
          ),
      },
      BundleDeploymentConnectionRef,
    ),
    gitRepos: t.field({
      type: [GitRepoTargetingRef],
      description: 'GitRepos with at least one Bundle whose targets select this cluster, with the match.',
      resolve: (c, _a, ctx) => ctx.readModel.gitReposTargetingCluster(c),
    }),
    inconsistencies: t.field({
      type: [InconsistencyRef],
      description: 'Current findings about this cluster.',
      resolve: (c, _a, ctx) => ctx.readModel.inconsistenciesOf(c),
    }),
  }),
});

builder.queryFields((t) => ({
  clusters: t.connection(
    {
      type: ClusterRef,
      description: 'Clusters, filtered and paged.',
      args: { ...listArgs },
      resolve: (_r, args, ctx) =>
        connectionFrom(ctx.readModel.clusters(listFilter(args)), args, (c) => c.key),
    },
    ClusterConnectionRef,
  ),
  cluster: t.field({
    type: ClusterRef,
    nullable: true,
    description: 'One Cluster; null when it does not exist.',
    args: {
      namespace: t.arg.string({ required: true, description: 'Its namespace (workspace).' }),
      name: t.arg.string({ required: true, description: 'Its name.' }),
    },
    resolve: (_r, a, ctx) => ctx.readModel.cluster(a.namespace, a.name) ?? null,
  }),
}));
