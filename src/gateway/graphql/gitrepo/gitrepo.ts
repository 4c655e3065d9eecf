/** GitRepo: its fields, its edges, and its root fields (including `targetPreview`). */
import type { GitRepoRecord, PreviewedCluster } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { BundleConnectionRef, BundleRef } from '../bundle/ref.js';
import { BundleDeploymentConnectionRef, BundleDeploymentRef } from '../bundledeployment/ref.js';
import { ClusterRef } from '../cluster/ref.js';
import { connectionFrom } from '../common/connection.js';
import { listArgs, listFilter, statesArg, withStates } from '../common/filters.js';
import { splitKey } from '../common/ids.js';
import { LabelRef, labelList } from '../common/meta.js';
import { FleetObjectRef, isKind } from '../common/object.js';
import { LabelInput } from '../common/selector.js';
import { RecomputedStatusRef, reportedStatusFields } from '../common/status.js';
import { GitTargetInput, GitTargetRef, gitTargetsFromInput, TargetMatchRef } from '../common/targets.js';
import { InconsistencyRef } from '../inconsistency/ref.js';
import { WorkspaceRef } from '../workspace/ref.js';
import { GitRepoConnectionRef, GitRepoRef } from './ref.js';

type GitRepoStatusShape = GitRepoRecord['status'];

const GitRepoStatusRef = builder.objectRef<GitRepoStatusShape>('GitRepoStatus').implement({
  description:
    "A GitRepo's status exactly as Fleet reported it (it may trail what exists; see `recomputedStatus`).",
  fields: (t) => ({
    ...reportedStatusFields(t, {
      kubectlKind: 'gitrepo',
      conditions: 'Ready, Accepted, GitPolling, Reconciling, Stalled…',
    }),
    observedGeneration: t.exposeInt('observedGeneration', {
      description: 'The spec generation Fleet last acted on.',
    }),
    updateGeneration: t.exposeInt('updateGeneration', {
      description: 'The `forceSyncGeneration` Fleet last acted on.',
    }),
    commit: t.string({
      nullable: true,
      description: 'The Git commit last applied.',
      resolve: (s) => s.commit ?? null,
    }),
    gitJobStatus: t.string({
      nullable: true,
      description: 'Result of the `fleet apply` job: InProgress, Current, Failed or Terminating.',
      resolve: (s) => s.gitJobStatus ?? null,
    }),
  }),
});

builder.node(GitRepoRef, {
  description: 'A Git repository Fleet deploys from (`GitRepo`): compiled into Bundles, one per path.',
  interfaces: [FleetObjectRef],
  isTypeOf: isKind('GitRepo'),
  id: { resolve: (r) => r.key },
  loadOne: (id, ctx) => {
    const { namespace, name } = splitKey(id);
    return ctx.readModel.gitRepo(namespace, name) ?? null;
  },
  fields: (t) => ({
    workspace: t.field({
      type: WorkspaceRef,
      description: 'The workspace the GitRepo lives in.',
      resolve: (r) => ({ name: r.namespace }),
    }),
    annotations: t.field({
      type: [LabelRef],
      description: 'Kubernetes annotations, sorted by key.',
      resolve: (r) => labelList(r.annotations),
    }),
    repo: t.exposeString('repo', { description: 'The repository URL (`spec.repo`).' }),
    branch: t.string({
      nullable: true,
      description: 'Branch followed (`spec.branch`).',
      resolve: (r) => r.branch ?? null,
    }),
    revision: t.string({
      nullable: true,
      description: 'Pinned revision (`spec.revision`).',
      resolve: (r) => r.revision ?? null,
    }),
    paths: t.stringList({
      description: 'Paths in the repository that become Bundles (`spec.paths`).',
      resolve: (r) => r.paths,
    }),
    targetNamespace: t.string({
      nullable: true,
      description: 'Namespace all resources are forced into (`spec.targetNamespace`).',
      resolve: (r) => r.targetNamespace ?? null,
    }),
    paused: t.exposeBoolean('paused', {
      description: 'True when changes are not rolled out (`spec.paused`).',
    }),
    forceSyncGeneration: t.exposeInt('forceSyncGeneration', {
      description: 'Bump to force a redeploy (`spec.forceSyncGeneration`).',
    }),
    targets: t.field({
      type: [GitTargetRef],
      description: 'Where it deploys (`spec.targets`); empty means the `default` ClusterGroup.',
      resolve: (r) => r.targets,
    }),
    status: t.field({
      type: GitRepoStatusRef,
      description: 'Status as Fleet reported it.',
      resolve: (r) => r.status,
    }),
    recomputedStatus: t.field({
      type: RecomputedStatusRef,
      description:
        'The same numbers recomputed from the BundleDeployments that exist now, to compare with `status`.',
      resolve: (r, _a, ctx) => ctx.readModel.recomputedGitRepoStatus(r),
    }),
    bundles: t.connection(
      {
        type: BundleRef,
        description: 'The Bundles made from this GitRepo (label `fleet.cattle.io/repo-name`).',
        resolve: (r, args, ctx) => connectionFrom(ctx.readModel.bundlesOfGitRepo(r), args, (b) => b.key),
      },
      BundleConnectionRef,
    ),
    bundleDeployments: t.connection(
      {
        type: BundleDeploymentRef,
        description: "The BundleDeployments of this GitRepo's Bundles, across clusters.",
        args: { ...statesArg },
        resolve: (r, args, ctx) =>
          connectionFrom(
            withStates(ctx.readModel, ctx.readModel.deploymentsOfGitRepo(r), args.states),
            args,
            (b) => b.key,
          ),
      },
      BundleDeploymentConnectionRef,
    ),
    inconsistencies: t.field({
      type: [InconsistencyRef],
      description:
        'Current findings about this GitRepo: stale or missing deployments, status that disagrees.',
      resolve: (r, _a, ctx) => ctx.readModel.inconsistenciesOf(r),
    }),
  }),
});

const PreviewedClusterRef = builder.objectRef<PreviewedCluster>('PreviewedCluster').implement({
  description: 'A cluster a target list would reach, and which target selects it.',
  fields: (t) => ({
    cluster: t.field({ type: ClusterRef, description: 'The cluster.', resolve: (p) => p.cluster }),
    match: t.field({
      type: TargetMatchRef,
      description: 'Which target matched it.',
      resolve: (p) => p.match,
    }),
  }),
});

builder.queryFields((t) => ({
  gitRepos: t.connection(
    {
      type: GitRepoRef,
      description: 'GitRepos, filtered and paged.',
      args: { ...listArgs },
      resolve: (_r, args, ctx) =>
        connectionFrom(ctx.readModel.gitRepos(listFilter(args)), args, (g) => g.key),
    },
    GitRepoConnectionRef,
  ),
  gitRepo: t.field({
    type: GitRepoRef,
    nullable: true,
    description: 'One GitRepo; null when it does not exist.',
    args: {
      namespace: t.arg.string({ required: true, description: 'Its namespace (workspace).' }),
      name: t.arg.string({ required: true, description: 'Its name.' }),
    },
    resolve: (_r, a, ctx) => ctx.readModel.gitRepo(a.namespace, a.name) ?? null,
  }),
  targetPreview: t.field({
    type: [PreviewedClusterRef],
    description:
      'The clusters a GitRepo in `namespace` with these targets would reach, as Fleet would compute them (an empty list means the `default` ClusterGroup), each with the target that selects it.',
    args: {
      namespace: t.arg.string({ required: true, description: 'The workspace the GitRepo would live in.' }),
      targets: t.arg({
        type: [GitTargetInput],
        required: true,
        description: 'The targets, as in `GitRepo.spec.targets`.',
      }),
      name: t.arg.string({
        required: false,
        description:
          "The GitRepo's name. Its Bundles carry it as the `fleet.cattle.io/repo-name` label, which a BundleNamespaceMapping's `bundleSelector` may select on.",
      }),
      labels: t.arg({
        type: [LabelInput],
        required: false,
        description:
          "The GitRepo's labels, which its Bundles inherit and BundleNamespaceMappings may select on (each entry is one label: key and value).",
      }),
    },
    resolve: (_r, a, ctx) =>
      ctx.readModel.previewTargets(a.namespace, gitTargetsFromInput(a.targets), {
        name: a.name ?? undefined,
        labels: Object.fromEntries((a.labels ?? []).map((l) => [l.key, l.value])),
      }),
  }),
}));
