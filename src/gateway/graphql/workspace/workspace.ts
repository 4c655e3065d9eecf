/** Workspace: a namespace holding Fleet objects, and everything in it. */
import { builder } from '../builder.js';
import { BundleConnectionRef, BundleRef } from '../bundle/ref.js';
import { ClusterConnectionRef, ClusterRef } from '../cluster/ref.js';
import { ClusterGroupConnectionRef, ClusterGroupRef } from '../clustergroup/ref.js';
import { connectionFrom } from '../common/connection.js';
import { GitRepoConnectionRef, GitRepoRef } from '../gitrepo/ref.js';
import { HelmOpConnectionRef, HelmOpRef } from '../helmop/ref.js';
import { InconsistencyRef } from '../inconsistency/ref.js';
import { WorkspaceRef, type WorkspaceShape } from './ref.js';

const isWorkspace = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && !('kind' in v) && typeof (v as WorkspaceShape).name === 'string';

builder.node(WorkspaceRef, {
  description:
    'A Fleet workspace: a namespace holding GitRepos, Clusters and ClusterGroups (e.g. `fleet-default`).',
  isTypeOf: isWorkspace,
  id: { resolve: (w) => w.name },
  loadOne: (id, ctx) => (ctx.readModel.workspaces().includes(id) ? { name: id } : null),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The namespace name.' }),
    gitRepos: t.connection(
      {
        type: GitRepoRef,
        description: 'GitRepos in this workspace.',
        resolve: (w, args, ctx) => connectionFrom(ctx.readModel.gitRepos({ workspace: w.name }), args),
      },
      GitRepoConnectionRef,
    ),
    helmOps: t.connection(
      {
        type: HelmOpRef,
        description: 'HelmOps in this workspace.',
        resolve: (w, args, ctx) => connectionFrom(ctx.readModel.helmOps({ workspace: w.name }), args),
      },
      HelmOpConnectionRef,
    ),
    bundles: t.connection(
      {
        type: BundleRef,
        description: 'Bundles in this workspace (agent bundles left out).',
        resolve: (w, args, ctx) => connectionFrom(ctx.readModel.bundles({ workspace: w.name }), args),
      },
      BundleConnectionRef,
    ),
    clusters: t.connection(
      {
        type: ClusterRef,
        description: 'Clusters registered in this workspace.',
        resolve: (w, args, ctx) => connectionFrom(ctx.readModel.clusters({ workspace: w.name }), args),
      },
      ClusterConnectionRef,
    ),
    clusterGroups: t.connection(
      {
        type: ClusterGroupRef,
        description: 'ClusterGroups in this workspace.',
        resolve: (w, args, ctx) => connectionFrom(ctx.readModel.clusterGroups({ workspace: w.name }), args),
      },
      ClusterGroupConnectionRef,
    ),
    inconsistencies: t.field({
      type: [InconsistencyRef],
      description: 'Current findings in this workspace.',
      resolve: (w, _a, ctx) => ctx.readModel.inconsistencies({ workspace: w.name }),
    }),
  }),
});

builder.queryFields((t) => ({
  workspaces: t.field({
    type: [WorkspaceRef],
    description: 'Every namespace that holds Fleet objects, sorted by name.',
    resolve: (_r, _a, ctx) => ctx.readModel.workspaces().map((name) => ({ name })),
  }),
  workspace: t.field({
    type: WorkspaceRef,
    nullable: true,
    description: 'One workspace; null when no Fleet object lives in it.',
    args: { name: t.arg.string({ required: true, description: 'The namespace name.' }) },
    resolve: (_r, a, ctx) => (ctx.readModel.workspaces().includes(a.name) ? { name: a.name } : null),
  }),
}));
