/**
 * Inconsistencies: what Fleet's own status does not show. Stale deployments (rancher/fleet#3437
 * orphans), missing ones, and reported status that disagrees with what exists, each with its age.
 */
import type { Inconsistency, InconsistencyKind } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { BundleRef } from '../bundle/ref.js';
import { BundleDeploymentRef } from '../bundledeployment/ref.js';
import { ClusterRef } from '../cluster/ref.js';
import { connectionFrom } from '../common/connection.js';
import { ObjectReferenceRef } from '../common/meta.js';
import { GitRepoRef } from '../gitrepo/ref.js';
import { InconsistencyConnectionRef, InconsistencyRef } from './ref.js';

export const InconsistencyKindEnum = builder.enumType('InconsistencyKind', {
  description: 'What kind of finding an Inconsistency is.',
  values: {
    STALE_DEPLOYMENT: {
      value: 'STALE_DEPLOYMENT',
      description: 'A BundleDeployment exists but its Bundle no longer targets that cluster (an orphan).',
    },
    MISSING_DEPLOYMENT: {
      value: 'MISSING_DEPLOYMENT',
      description: 'A Bundle targets a cluster that has no BundleDeployment for it.',
    },
    STATUS_MISMATCH: {
      value: 'STATUS_MISMATCH',
      description: 'A status Fleet reported disagrees with the BundleDeployments that exist.',
    },
  } satisfies Record<InconsistencyKind, { value: InconsistencyKind; description: string }>,
});

const ref = (r: { namespace: string; name: string } | undefined) => r ?? null;

InconsistencyRef.implement({
  description:
    'Something Fleet does not show: a stale or missing deployment, or status that disagrees, with its age.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'Stable while the finding lasts.' }),
    kind: t.field({
      type: InconsistencyKindEnum,
      description: 'What kind of finding.',
      resolve: (i) => i.kind,
    }),
    workspace: t.exposeString('workspace', { description: 'The workspace it belongs to.' }),
    reason: t.exposeString('reason', { description: 'One sentence explaining it.' }),
    firstSeenAt: t.field({
      type: 'DateTime',
      description: 'When fleet-graph first saw it.',
      resolve: (i) => i.firstSeenAt,
    }),
    ageSeconds: t.int({
      description: 'Seconds since `firstSeenAt`, on the gateway clock.',
      resolve: (i, _a, ctx) => Math.max(0, Math.floor((ctx.readModel.now - i.firstSeenAt) / 1000)),
    }),
    field: t.string({
      nullable: true,
      description: 'For STATUS_MISMATCH: the status field that disagrees.',
      resolve: (i) => i.field ?? null,
    }),
    reported: t.string({
      nullable: true,
      description: 'For STATUS_MISMATCH: what Fleet reported.',
      resolve: (i) => i.reported ?? null,
    }),
    actual: t.string({
      nullable: true,
      description: 'For STATUS_MISMATCH: what the deployments show.',
      resolve: (i) => i.actual ?? null,
    }),
    gitRepoRef: t.field({
      type: ObjectReferenceRef,
      nullable: true,
      description: 'The GitRepo concerned, by name.',
      resolve: (i) => ref(i.gitRepo),
    }),
    bundleRef: t.field({
      type: ObjectReferenceRef,
      nullable: true,
      description: 'The Bundle concerned, by name.',
      resolve: (i) => ref(i.bundle),
    }),
    clusterRef: t.field({
      type: ObjectReferenceRef,
      nullable: true,
      description: 'The Cluster concerned, by name.',
      resolve: (i) => ref(i.cluster),
    }),
    bundleDeploymentRef: t.field({
      type: ObjectReferenceRef,
      nullable: true,
      description: 'The BundleDeployment concerned, by name (for MISSING_DEPLOYMENT, where it would be).',
      resolve: (i) => ref(i.bundleDeployment),
    }),
    gitRepo: t.field({
      type: GitRepoRef,
      nullable: true,
      description: 'The GitRepo concerned, if it exists.',
      resolve: (i, _a, ctx) =>
        i.gitRepo ? (ctx.readModel.gitRepo(i.gitRepo.namespace, i.gitRepo.name) ?? null) : null,
    }),
    bundle: t.field({
      type: BundleRef,
      nullable: true,
      description: 'The Bundle concerned, if it exists.',
      resolve: (i, _a, ctx) =>
        i.bundle ? (ctx.readModel.bundle(i.bundle.namespace, i.bundle.name) ?? null) : null,
    }),
    cluster: t.field({
      type: ClusterRef,
      nullable: true,
      description: 'The Cluster concerned, if it exists.',
      resolve: (i, _a, ctx) =>
        i.cluster ? (ctx.readModel.cluster(i.cluster.namespace, i.cluster.name) ?? null) : null,
    }),
    bundleDeployment: t.field({
      type: BundleDeploymentRef,
      nullable: true,
      description: 'The BundleDeployment concerned, if it exists.',
      resolve: (i, _a, ctx) =>
        i.bundleDeployment
          ? (ctx.readModel.bundleDeployment(i.bundleDeployment.namespace, i.bundleDeployment.name) ?? null)
          : null,
    }),
  }),
});

builder.queryFields((t) => ({
  inconsistencies: t.connection(
    {
      type: InconsistencyRef,
      description:
        'Current findings across the fleet, oldest first within the order of their IDs; filterable.',
      args: {
        workspace: t.arg.string({ required: false, description: 'Only findings in this workspace.' }),
        kinds: t.arg({
          type: [InconsistencyKindEnum],
          required: false,
          description: 'Only findings of these kinds.',
        }),
        gitRepo: t.arg.string({
          required: false,
          description: 'Only findings about the GitRepo with this name.',
        }),
        cluster: t.arg.string({
          required: false,
          description: 'Only findings about the Cluster with this name.',
        }),
      },
      resolve: (_r, args, ctx) =>
        connectionFrom<Inconsistency>(
          ctx.readModel.inconsistencies({
            workspace: args.workspace ?? undefined,
            kinds: args.kinds ?? undefined,
            gitRepo: args.gitRepo ?? undefined,
            cluster: args.cluster ?? undefined,
          }),
          args,
          (i) => i.id,
        ),
    },
    InconsistencyConnectionRef,
  ),
}));
