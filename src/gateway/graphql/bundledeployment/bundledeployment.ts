/** BundleDeployment: one Bundle on one cluster, its derived state, and what blocks it. */
import type { DeploymentBlocker } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { BundleRef } from '../bundle/ref.js';
import { ClusterRef } from '../cluster/ref.js';
import { connectionFrom } from '../common/connection.js';
import { listArgs, listFilter, statesArg } from '../common/filters.js';
import { splitKey } from '../common/ids.js';
import { ConditionRef } from '../common/meta.js';
import { FleetObjectRef, isKind } from '../common/object.js';
import { LabelSelectorRef } from '../common/selector.js';
import { BundleStateEnum } from '../common/state.js';
import { countsOrZero, ResourceCountsRef } from '../common/status.js';
import { GitRepoRef } from '../gitrepo/ref.js';
import { HelmOpRef } from '../helmop/ref.js';
import { BundleDeploymentConnectionRef, BundleDeploymentRef } from './ref.js';

const DeploymentBlockerRef = builder.objectRef<DeploymentBlocker>('DeploymentBlocker').implement({
  description:
    "An unmet `dependsOn` entry of a deployment, judged on the deployment's own cluster as Fleet's agent does.",
  fields: (t) => ({
    name: t.string({
      nullable: true,
      description: 'Name of the Bundle depended on, if given by name.',
      resolve: (b) => b.requirement.name ?? null,
    }),
    selector: t.field({
      type: LabelSelectorRef,
      nullable: true,
      description: 'The selector of the dependency, if given by selector.',
      resolve: (b) => b.requirement.selector ?? null,
    }),
    acceptedStates: t.field({
      type: [BundleStateEnum],
      description: 'States that would satisfy it.',
      resolve: (b) => b.acceptedStates,
    }),
    missing: t.exposeBoolean('missing', {
      description: 'True when no deployment on that cluster matches it at all.',
    }),
    notReady: t.field({
      type: [BundleDeploymentRef],
      description: 'Matching deployments on that cluster that are not in an accepted state.',
      resolve: (b) => b.notReady,
    }),
    reason: t.exposeString('reason', { description: 'One sentence on why it blocks.' }),
  }),
});

builder.node(BundleDeploymentRef, {
  description:
    "One Bundle on one cluster (`BundleDeployment`), living in the cluster's namespace; named like its Bundle.",
  interfaces: [FleetObjectRef],
  isTypeOf: isKind('BundleDeployment'),
  id: { resolve: (d) => d.key },
  loadOne: (id, ctx) => {
    const { namespace, name } = splitKey(id);
    return ctx.readModel.bundleDeployment(namespace, name) ?? null;
  },
  fields: (t) => ({
    state: t.field({
      type: BundleStateEnum,
      description: "Its state derived from its fields by Fleet's rules (may be ahead of `reportedState`).",
      resolve: (d, _a, ctx) => ctx.readModel.deploymentState(d),
    }),
    reportedState: t.string({
      nullable: true,
      description: '`status.display.state` as Fleet last wrote it.',
      resolve: (d) => d.reportedState ?? null,
    }),
    bundle: t.field({
      type: BundleRef,
      nullable: true,
      description: 'Its Bundle; null when the Bundle is gone.',
      resolve: (d, _a, ctx) => ctx.readModel.bundleOfDeployment(d) ?? null,
    }),
    cluster: t.field({
      type: ClusterRef,
      nullable: true,
      description: 'The cluster it deploys to; null when that Cluster is gone.',
      resolve: (d, _a, ctx) => ctx.readModel.clusterOfDeployment(d) ?? null,
    }),
    gitRepo: t.field({
      type: GitRepoRef,
      nullable: true,
      description: 'The GitRepo its Bundle came from, if any.',
      resolve: (d, _a, ctx) =>
        d.repoName ? (ctx.readModel.gitRepo(d.bundleNamespace, d.repoName) ?? null) : null,
    }),
    helmOp: t.field({
      type: HelmOpRef,
      nullable: true,
      description: 'The HelmOp its Bundle came from, if any.',
      resolve: (d, _a, ctx) =>
        d.helmOpName ? (ctx.readModel.helmOp(d.bundleNamespace, d.helmOpName) ?? null) : null,
    }),
    bundleName: t.exposeString('bundleName', { description: 'Label `fleet.cattle.io/bundle-name`.' }),
    bundleNamespace: t.exposeString('bundleNamespace', {
      description: 'Label `fleet.cattle.io/bundle-namespace` (the workspace).',
    }),
    clusterName: t.exposeString('clusterName', { description: 'Label `fleet.cattle.io/cluster`.' }),
    clusterNamespace: t.exposeString('clusterNamespace', {
      description:
        "Label `fleet.cattle.io/cluster-namespace`: the Cluster object's namespace (not this object's).",
    }),
    deploymentID: t.exposeString('deploymentID', {
      description: 'What the agent should apply now (`spec.deploymentID`).',
    }),
    stagedDeploymentID: t.exposeString('stagedDeploymentID', {
      description: 'What the controller wants next (`spec.stagedDeploymentID`).',
    }),
    appliedDeploymentID: t.exposeString('appliedDeploymentID', {
      description: 'What the agent applied (`status.appliedDeploymentID`).',
    }),
    paused: t.exposeBoolean('paused', { description: 'True when its Bundle or Cluster is paused.' }),
    offSchedule: t.exposeBoolean('offSchedule', { description: 'True outside its Schedule window.' }),
    ready: t.exposeBoolean('ready', { description: '`status.ready` as the agent wrote it.' }),
    nonModified: t.exposeBoolean('nonModified', { description: '`status.nonModified`: no drift detected.' }),
    conditions: t.field({
      type: [ConditionRef],
      description: 'Installed, Deployed, Monitored, Ready.',
      resolve: (d) => d.conditions,
    }),
    resourceCounts: t.field({
      type: ResourceCountsRef,
      description: 'Its resources by state.',
      resolve: (d) => countsOrZero(d.resourceCounts),
    }),
    nonReadyCount: t.exposeInt('nonReadyCount', {
      description: 'Entries in `status.nonReadyStatus` (at most 10).',
    }),
    modifiedCount: t.exposeInt('modifiedCount', {
      description: 'Entries in `status.modifiedStatus` (at most 10).',
    }),
    blocked: t.boolean({
      description: 'True when a `dependsOn` entry is unmet on its cluster, so the agent will not deploy it.',
      resolve: (d, _a, ctx) => ctx.readModel.blockers(d).length > 0,
    }),
    blockers: t.field({
      type: [DeploymentBlockerRef],
      description: 'Its unmet dependencies on its cluster; empty when not blocked.',
      resolve: (d, _a, ctx) => ctx.readModel.blockers(d),
    }),
  }),
});

builder.queryFields((t) => ({
  bundleDeployments: t.connection(
    {
      type: BundleDeploymentRef,
      description: 'BundleDeployments across all clusters, filtered and paged.',
      args: {
        ...listArgs,
        ...statesArg,
        cluster: t.arg.string({
          required: false,
          description: 'Only deployments to the Cluster with this name (in `workspace` when given).',
        }),
        bundle: t.arg.string({
          required: false,
          description: 'Only deployments of the Bundle with this name.',
        }),
        gitRepo: t.arg.string({
          required: false,
          description: 'Only deployments of the GitRepo with this name.',
        }),
      },
      resolve: (_r, args, ctx) =>
        connectionFrom(
          ctx.readModel.bundleDeployments({
            ...listFilter(args),
            states: args.states ?? undefined,
            cluster: args.cluster ?? undefined,
            bundle: args.bundle ?? undefined,
            gitRepo: args.gitRepo ?? undefined,
          }),
          args,
          (d) => d.key,
        ),
    },
    BundleDeploymentConnectionRef,
  ),
  bundleDeployment: t.field({
    type: BundleDeploymentRef,
    nullable: true,
    description: 'One BundleDeployment; null when it does not exist.',
    args: {
      namespace: t.arg.string({ required: true, description: 'Its namespace (the per-cluster namespace).' }),
      name: t.arg.string({ required: true, description: 'Its name (the Bundle name).' }),
    },
    resolve: (_r, a, ctx) => ctx.readModel.bundleDeployment(a.namespace, a.name) ?? null,
  }),
}));
