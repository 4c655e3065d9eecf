/** Bundle: what a GitRepo path or HelmOp compiles to; its targets, deployments and dependencies. */
import type { RecomputedBundleStatus, TargetingError } from '../../fleet/index.js';
import type { BundleRecord, BundleDependency, TargetedCluster } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { BundleDeploymentConnectionRef, BundleDeploymentRef } from '../bundledeployment/ref.js';
import { ClusterRef } from '../cluster/ref.js';
import { connectionFrom } from '../common/connection.js';
import { listArgs, listFilter, statesArg, withStates } from '../common/filters.js';
import { splitKey } from '../common/ids.js';
import { ConditionRef, FieldProblemRef } from '../common/meta.js';
import { FleetObjectRef, isKind } from '../common/object.js';
import { LabelSelectorRef } from '../common/selector.js';
import { BundleStateEnum } from '../common/state.js';
import { BundleSummaryRef, displayBundleStateField, summaryOrZero } from '../common/status.js';
import { BundleTargetRef, TargetCriteriaRef, TargetMatchRef } from '../common/targets.js';
import { GitRepoRef } from '../gitrepo/ref.js';
import { HelmOpRef } from '../helmop/ref.js';
import { InconsistencyRef } from '../inconsistency/ref.js';
import { WorkspaceRef } from '../workspace/ref.js';
import { BundleConnectionRef, BundleRef } from './ref.js';

const BundleStatusRef = builder.objectRef<BundleRecord['status']>('BundleStatus').implement({
  description: "A Bundle's status exactly as Fleet reported it.",
  fields: (t) => ({
    observedGeneration: t.exposeInt('observedGeneration', {
      description: 'The spec generation Fleet last acted on.',
    }),
    summary: t.field({
      type: BundleSummaryRef,
      description: 'Targets by state, per Fleet.',
      resolve: (s) => summaryOrZero(s.summary),
    }),
    readyClusters: t.string({
      nullable: true,
      description: 'Ready clusters over targeted clusters, as `R/D` (`status.display.readyClusters`).',
      resolve: (s) => s.display.readyClusters ?? null,
    }),
    state: t.string({
      nullable: true,
      description: 'The worst state as Fleet wrote it.',
      resolve: (s) => s.display.state ?? null,
    }),
    bundleState: displayBundleStateField(t),
    conditions: t.field({
      type: [ConditionRef],
      description: 'The Ready condition.',
      resolve: (s) => s.conditions,
    }),
  }),
});

const RecomputedBundleStatusRef = builder
  .objectRef<RecomputedBundleStatus>('RecomputedBundleStatus')
  .implement({
    description:
      "A Bundle's status recomputed by fleet-graph from its targets and the deployments that exist.",
    fields: (t) => ({
      summary: t.field({
        type: BundleSummaryRef,
        description: 'Targets by state (Pending without a deployment).',
        resolve: (s) => s.summary,
      }),
      readyClusters: t.string({
        description: 'Ready targets over all targets, as `R/D`.',
        resolve: (s) => s.display.readyClusters,
      }),
      state: t.string({
        description: 'The worst state, as Fleet would write it (empty when all are ready).',
        resolve: (s) => s.display.state,
      }),
      bundleState: displayBundleStateField(t),
    }),
  });

const TargetingErrorRef = builder.objectRef<TargetingError>('TargetingError').implement({
  description: "Why a Bundle's targets cannot be evaluated.",
  fields: (t) => ({
    message: t.exposeString('message', {
      description: 'The message, like Fleet\'s Ready condition ("targeting error …").',
    }),
    problems: t.field({
      type: [FieldProblemRef],
      description: 'Each problem with its field path.',
      resolve: (e) => e.problems,
    }),
  }),
});

const TargetedClusterRef = builder.objectRef<TargetedCluster>('TargetedCluster').implement({
  description:
    "A cluster a Bundle's own targets select (computed by fleet-graph with Fleet's rules), with its BundleDeployment if one exists.",
  fields: (t) => ({
    cluster: t.field({ type: ClusterRef, description: 'The cluster.', resolve: (c) => c.cluster }),
    match: t.field({
      type: TargetMatchRef,
      description: 'Which target selected it.',
      resolve: (c) => c.match,
    }),
    bundleDeployment: t.field({
      type: BundleDeploymentRef,
      nullable: true,
      description: 'The BundleDeployment on that cluster; null means Pending (none created yet).',
      resolve: (c) => c.bundleDeployment,
    }),
    state: t.field({
      type: BundleStateEnum,
      description: 'Its derived state; PENDING without a deployment.',
      resolve: (c) => c.state,
    }),
  }),
});

const TargetedClusterConnectionRef = builder.connectionObject(
  {
    type: TargetedClusterRef,
    name: 'TargetedClusterConnection',
    description: 'A page of targeted clusters, with cursors and the total count.',
  },
  { name: 'TargetedClusterEdge', description: 'One targeted cluster in a page, with its cursor.' },
);

const BundleDependsOnRef = builder.objectRef<BundleDependency['requirement']>('BundleDependsOn').implement({
  description:
    'One `spec.dependsOn` entry: the Bundles, by name or selector, that must be in an accepted state first.',
  fields: (t) => ({
    name: t.string({
      nullable: true,
      description: 'Name of the Bundle depended on, in the same workspace.',
      resolve: (d) => d.name ?? null,
    }),
    selector: t.field({
      type: LabelSelectorRef,
      nullable: true,
      description: 'Selects the BundleDeployments depended on, by label.',
      resolve: (d) => d.selector ?? null,
    }),
  }),
});

const BundleDependencyRef = builder.objectRef<BundleDependency>('BundleDependency').implement({
  description: 'A dependency of a Bundle and the Bundles it resolves to now.',
  fields: (t) => ({
    requirement: t.field({
      type: BundleDependsOnRef,
      description: 'The `dependsOn` entry as written.',
      resolve: (d) => d.requirement,
    }),
    acceptedStates: t.field({
      type: [BundleStateEnum],
      description: 'States that satisfy it (READY when the entry lists none).',
      resolve: (d) => d.acceptedStates,
    }),
    bundles: t.field({
      type: [BundleRef],
      description: 'The Bundles it matches now; empty means it can never be met.',
      resolve: (d) => d.bundles,
    }),
  }),
});

const DependencyCycleRef = builder.objectRef<readonly string[]>('DependencyCycle').implement({
  description: 'A cycle in the `dependsOn` graph between Bundles.',
  fields: (t) => ({
    bundleKeys: t.stringList({
      description: 'The Bundles on the cycle, as `namespace/name`, in dependency order.',
      resolve: (c) => [...c],
    }),
  }),
});

builder.node(BundleRef, {
  description:
    'A unit of deployment (`Bundle`): made from a GitRepo path or a HelmOp, deployed once per targeted cluster.',
  interfaces: [FleetObjectRef],
  isTypeOf: isKind('Bundle'),
  id: { resolve: (b) => b.key },
  loadOne: (id, ctx) => {
    const { namespace, name } = splitKey(id);
    return ctx.readModel.bundle(namespace, name) ?? null;
  },
  fields: (t) => ({
    workspace: t.field({
      type: WorkspaceRef,
      description: 'The workspace the Bundle lives in.',
      resolve: (b) => ({ name: b.namespace }),
    }),
    gitRepo: t.field({
      type: GitRepoRef,
      nullable: true,
      description: 'The GitRepo it was made from; null for other Bundles or when that GitRepo is gone.',
      resolve: (b, _a, ctx) => ctx.readModel.gitRepoOfBundle(b) ?? null,
    }),
    helmOp: t.field({
      type: HelmOpRef,
      nullable: true,
      description: 'The HelmOp it was made from, if any.',
      resolve: (b, _a, ctx) => ctx.readModel.helmOpOfBundle(b) ?? null,
    }),
    paused: t.exposeBoolean('paused', { description: 'True when changes are not rolled out.' }),
    agentBundle: t.exposeBoolean('agentBundle', {
      description: 'True for the per-cluster `fleet-agent-<cluster>` Bundles.',
    }),
    forceSyncGeneration: t.exposeInt('forceSyncGeneration', {
      description: 'Copied from the GitRepo; forces redeploys.',
    }),
    targets: t.field({
      type: [BundleTargetRef],
      description: '`spec.targets`: targets and customizations.',
      resolve: (b) => b.targets,
    }),
    targetRestrictions: t.field({
      type: [TargetCriteriaRef],
      description: "`spec.targetRestrictions`: from the GitRepo's targets; a cluster must match one of them.",
      resolve: (b) => b.targetRestrictions,
    }),
    targetCustomizationMode: t.exposeString('targetCustomizationMode', {
      description: 'FirstMatch (default) or AllMatches: how customizations combine.',
    }),
    rolloutStrategy: t.field({
      type: 'JSON',
      nullable: true,
      description: '`spec.rolloutStrategy` as JSON.',
      resolve: (b) => b.rolloutStrategy ?? null,
    }),
    status: t.field({
      type: BundleStatusRef,
      description: 'Status as Fleet reported it.',
      resolve: (b) => b.status,
    }),
    recomputedStatus: t.field({
      type: RecomputedBundleStatusRef,
      description:
        'The status recomputed by fleet-graph from its targets and deployments now, to compare with `status`.',
      resolve: (b, _a, ctx) => ctx.readModel.recomputedBundleStatus(b),
    }),
    targetingError: t.field({
      type: TargetingErrorRef,
      nullable: true,
      description:
        'Why its targets or restrictions cannot be evaluated (e.g. an invalid selector), as Fleet would report it; null when they can. Fleet then deploys it nowhere.',
      resolve: (b, _a, ctx) => ctx.readModel.targetingError(b) ?? null,
    }),
    bundleDeployments: t.connection(
      {
        type: BundleDeploymentRef,
        description: 'Its BundleDeployments, one per cluster (labels `bundle-name`/`bundle-namespace`).',
        args: { ...statesArg },
        resolve: (b, args, ctx) =>
          connectionFrom(
            withStates(ctx.readModel, ctx.readModel.deploymentsOfBundle(b), args.states),
            args,
            (d) => d.key,
          ),
      },
      BundleDeploymentConnectionRef,
    ),
    targetedClusters: t.connection(
      {
        type: TargetedClusterRef,
        description: 'The clusters its targets select now, each with its BundleDeployment or Pending.',
        args: { ...statesArg },
        resolve: async (b, args, ctx) => {
          const all = await ctx.loaders.targetedClusters.load(b);
          const wanted = args.states ? new Set(args.states) : undefined;
          return connectionFrom(
            wanted ? all.filter((c) => wanted.has(c.state)) : all,
            args,
            (c) => c.cluster.key,
          );
        },
      },
      TargetedClusterConnectionRef,
    ),
    dependsOn: t.field({
      type: [BundleDependencyRef],
      description: 'Its `spec.dependsOn` entries, each resolved to Bundles.',
      resolve: (b, _a, ctx) => ctx.readModel.dependsOn(b),
    }),
    dependents: t.field({
      type: [BundleRef],
      description: 'Bundles whose `dependsOn` names or selects this one.',
      resolve: (b, _a, ctx) => ctx.readModel.dependents(b),
    }),
    dependencyCycles: t.field({
      type: [DependencyCycleRef],
      description:
        'Dependency cycles through this Bundle; Fleet does not detect them and never deploys their members.',
      resolve: (b, _a, ctx) => ctx.readModel.dependencyCycles(b),
    }),
    inconsistencies: t.field({
      type: [InconsistencyRef],
      description: 'Current findings about this Bundle.',
      resolve: (b, _a, ctx) => ctx.readModel.inconsistenciesOf(b),
    }),
  }),
});

builder.queryFields((t) => ({
  bundles: t.connection(
    {
      type: BundleRef,
      description: 'Bundles, filtered and paged. Agent bundles are left out unless asked for.',
      args: {
        ...listArgs,
        gitRepo: t.arg.string({
          required: false,
          description: 'Only Bundles made from the GitRepo with this name.',
        }),
        includeAgentBundles: t.arg.boolean({
          required: false,
          defaultValue: false,
          description: 'Include the per-cluster `fleet-agent-<cluster>` Bundles.',
        }),
      },
      resolve: (_r, args, ctx) =>
        connectionFrom(
          ctx.readModel.bundles({
            ...listFilter(args),
            gitRepo: args.gitRepo ?? undefined,
            includeAgentBundles: args.includeAgentBundles ?? false,
          }),
          args,
          (b) => b.key,
        ),
    },
    BundleConnectionRef,
  ),
  bundle: t.field({
    type: BundleRef,
    nullable: true,
    description: 'One Bundle; null when it does not exist.',
    args: {
      namespace: t.arg.string({ required: true, description: 'Its namespace (workspace).' }),
      name: t.arg.string({ required: true, description: 'Its name.' }),
    },
    resolve: (_r, a, ctx) => ctx.readModel.bundle(a.namespace, a.name) ?? null,
  }),
}));
