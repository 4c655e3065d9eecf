/** HelmOp: a Helm chart Fleet deploys directly (one Bundle named like the HelmOp). */
import type { HelmOpRecord } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { BundleConnectionRef, BundleRef } from '../bundle/ref.js';
import { BundleDeploymentConnectionRef, BundleDeploymentRef } from '../bundledeployment/ref.js';
import { connectionFrom } from '../common/connection.js';
import { listArgs, listFilter, statesArg, withStates } from '../common/filters.js';
import { splitKey } from '../common/ids.js';
import { FleetObjectRef, isKind } from '../common/object.js';
import { RecomputedStatusRef, reportedStatusFields } from '../common/status.js';
import { BundleTargetRef } from '../common/targets.js';
import { WorkspaceRef } from '../workspace/ref.js';
import { HelmOpConnectionRef, HelmOpRef } from './ref.js';

const HelmOpStatusRef = builder.objectRef<HelmOpRecord['status']>('HelmOpStatus').implement({
  description: "A HelmOp's status exactly as Fleet reported it.",
  fields: (t) => ({
    ...reportedStatusFields(t, { kubectlKind: 'helmop', conditions: 'Ready, Accepted, Polled…' }),
    version: t.string({
      nullable: true,
      description: 'The chart version Fleet resolved.',
      resolve: (s) => s.version ?? null,
    }),
  }),
});

builder.node(HelmOpRef, {
  description: 'A Helm chart Fleet deploys without Git (`HelmOp`, formerly HelmApp).',
  interfaces: [FleetObjectRef],
  isTypeOf: isKind('HelmOp'),
  id: { resolve: (r) => r.key },
  loadOne: (id, ctx) => {
    const { namespace, name } = splitKey(id);
    return ctx.readModel.helmOp(namespace, name) ?? null;
  },
  fields: (t) => ({
    workspace: t.field({
      type: WorkspaceRef,
      description: 'The workspace the HelmOp lives in.',
      resolve: (r) => ({ name: r.namespace }),
    }),
    chart: t.string({
      nullable: true,
      description: 'Chart name or URL (`spec.helm.chart`).',
      resolve: (r) => r.chart ?? null,
    }),
    repo: t.string({
      nullable: true,
      description: 'Chart repository (`spec.helm.repo`).',
      resolve: (r) => r.repo ?? null,
    }),
    version: t.string({
      nullable: true,
      description: 'Requested chart version (`spec.helm.version`).',
      resolve: (r) => r.version ?? null,
    }),
    paused: t.exposeBoolean('paused', { description: 'True when changes are not rolled out.' }),
    targets: t.field({
      type: [BundleTargetRef],
      description: 'Where it deploys (`spec.targets`).',
      resolve: (r) => r.targets,
    }),
    status: t.field({
      type: HelmOpStatusRef,
      description: 'Status as Fleet reported it.',
      resolve: (r) => r.status,
    }),
    recomputedStatus: t.field({
      type: RecomputedStatusRef,
      description: 'The same numbers recomputed from the BundleDeployments that exist now.',
      resolve: (r, _a, ctx) => ctx.readModel.recomputedHelmOpStatus(r),
    }),
    bundles: t.connection(
      {
        type: BundleRef,
        description: 'The Bundles made from this HelmOp (label `fleet.cattle.io/fleet-helm-name`).',
        resolve: (r, args, ctx) => connectionFrom(ctx.readModel.bundlesOfHelmOp(r), args, (b) => b.key),
      },
      BundleConnectionRef,
    ),
    bundleDeployments: t.connection(
      {
        type: BundleDeploymentRef,
        description: 'The BundleDeployments of its Bundles, across clusters.',
        args: { ...statesArg },
        resolve: (r, args, ctx) =>
          connectionFrom(
            withStates(
              ctx.readModel,
              ctx.readModel.snapshot.deploymentsOfHelmOp(r.namespace, r.name),
              args.states,
            ),
            args,
            (b) => b.key,
          ),
      },
      BundleDeploymentConnectionRef,
    ),
  }),
});

builder.queryFields((t) => ({
  helmOps: t.connection(
    {
      type: HelmOpRef,
      description: 'HelmOps, filtered and paged.',
      args: { ...listArgs },
      resolve: (_r, args, ctx) => connectionFrom(ctx.readModel.helmOps(listFilter(args)), args, (h) => h.key),
    },
    HelmOpConnectionRef,
  ),
  helmOp: t.field({
    type: HelmOpRef,
    nullable: true,
    description: 'One HelmOp; null when it does not exist.',
    args: {
      namespace: t.arg.string({ required: true, description: 'Its namespace (workspace).' }),
      name: t.arg.string({ required: true, description: 'Its name.' }),
    },
    resolve: (_r, a, ctx) => ctx.readModel.helmOp(a.namespace, a.name) ?? null,
  }),
}));
