/** ClusterGroup: a label selector over the clusters of one workspace. */
import type { RecomputedGroupStatus } from '../../fleet/index.js';
import type { ClusterGroupRecord } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { ClusterConnectionRef, ClusterRef } from '../cluster/ref.js';
import { connectionFrom } from '../common/connection.js';
import { listArgs, listFilter } from '../common/filters.js';
import { splitKey } from '../common/ids.js';
import { ConditionRef } from '../common/meta.js';
import { FleetObjectRef, isKind } from '../common/object.js';
import { LabelSelectorRef } from '../common/selector.js';
import { BundleSummaryRef, displayBundleStateField, summaryOrZero } from '../common/status.js';
import { WorkspaceRef } from '../workspace/ref.js';
import { ClusterGroupConnectionRef, ClusterGroupRef } from './ref.js';

const ClusterGroupStatusRef = builder
  .objectRef<ClusterGroupRecord['status']>('ClusterGroupStatus')
  .implement({
    description: "A ClusterGroup's status exactly as Fleet reported it.",
    fields: (t) => ({
      clusterCount: t.exposeInt('clusterCount', { description: 'Member clusters, per Fleet.' }),
      nonReadyClusterCount: t.exposeInt('nonReadyClusterCount', {
        description: 'Members not fully ready, per Fleet.',
      }),
      summary: t.field({
        type: BundleSummaryRef,
        description: "Sum of the members' summaries.",
        resolve: (s) => summaryOrZero(s.summary),
      }),
      readyClusters: t.string({
        nullable: true,
        description: '`status.display.readyClusters`.',
        resolve: (s) => s.display.readyClusters ?? null,
      }),
      readyBundles: t.string({
        nullable: true,
        description: '`status.display.readyBundles`, as `R/D`.',
        resolve: (s) => s.display.readyBundles ?? null,
      }),
      state: t.string({
        nullable: true,
        description: 'The worst state as Fleet wrote it.',
        resolve: (s) => s.display.state ?? null,
      }),
      bundleState: displayBundleStateField(t),
      conditions: t.field({
        type: [ConditionRef],
        description: 'Processed, Ready.',
        resolve: (s) => s.conditions,
      }),
    }),
  });

const RecomputedClusterGroupStatusRef = builder
  .objectRef<RecomputedGroupStatus>('RecomputedClusterGroupStatus')
  .implement({
    description: "A ClusterGroup's status recomputed by fleet-graph from its members now.",
    fields: (t) => ({
      clusterCount: t.exposeInt('clusterCount', { description: 'Member clusters.' }),
      nonReadyClusterCount: t.exposeInt('nonReadyClusterCount', { description: 'Members not fully ready.' }),
      nonReadyClusters: t.stringList({
        description: 'Up to 10 of them, by name.',
        resolve: (s) => [...s.nonReadyClusters],
      }),
      summary: t.field({
        type: BundleSummaryRef,
        description: "Sum of the members' summaries.",
        resolve: (s) => s.summary,
      }),
      readyClusters: t.string({
        description: 'As Fleet would write `display.readyClusters`.',
        resolve: (s) => s.display.readyClusters,
      }),
      readyBundles: t.string({
        description: 'Ready over desired deployments, as `R/D`.',
        resolve: (s) => s.display.readyBundles,
      }),
      state: t.string({
        description: 'The worst state (empty when all are ready).',
        resolve: (s) => s.display.state,
      }),
      bundleState: displayBundleStateField(t),
    }),
  });

builder.node(ClusterGroupRef, {
  description: 'A named set of clusters in one workspace, selected by label (`ClusterGroup`).',
  interfaces: [FleetObjectRef],
  isTypeOf: isKind('ClusterGroup'),
  id: { resolve: (g) => g.key },
  loadOne: (id, ctx) => {
    const { namespace, name } = splitKey(id);
    return ctx.readModel.clusterGroup(namespace, name) ?? null;
  },
  fields: (t) => ({
    workspace: t.field({
      type: WorkspaceRef,
      description: 'The workspace of the group and its members.',
      resolve: (g) => ({ name: g.namespace }),
    }),
    selector: t.field({
      type: LabelSelectorRef,
      nullable: true,
      description:
        '`spec.selector`; null selects no clusters, an empty selector selects all in the workspace.',
      resolve: (g) => g.selector,
    }),
    status: t.field({
      type: ClusterGroupStatusRef,
      description: 'Status as Fleet reported it.',
      resolve: (g) => g.status,
    }),
    recomputedStatus: t.field({
      type: RecomputedClusterGroupStatusRef,
      description: 'The same numbers recomputed from its members now, to compare with `status`.',
      resolve: (g, _a, ctx) => ctx.readModel.recomputedClusterGroupStatus(g),
    }),
    clusters: t.connection(
      {
        type: ClusterRef,
        description: 'The clusters its selector matches now, in its workspace.',
        resolve: (g, args, ctx) => connectionFrom(ctx.readModel.clustersOfGroup(g), args, (c) => c.key),
      },
      ClusterConnectionRef,
    ),
  }),
});

builder.queryFields((t) => ({
  clusterGroups: t.connection(
    {
      type: ClusterGroupRef,
      description: 'ClusterGroups, filtered and paged.',
      args: { ...listArgs },
      resolve: (_r, args, ctx) =>
        connectionFrom(ctx.readModel.clusterGroups(listFilter(args)), args, (g) => g.key),
    },
    ClusterGroupConnectionRef,
  ),
  clusterGroup: t.field({
    type: ClusterGroupRef,
    nullable: true,
    description: 'One ClusterGroup; null when it does not exist.',
    args: {
      namespace: t.arg.string({ required: true, description: 'Its namespace (workspace).' }),
      name: t.arg.string({ required: true, description: 'Its name.' }),
    },
    resolve: (_r, a, ctx) => ctx.readModel.clusterGroup(a.namespace, a.name) ?? null,
  }),
}));
