/**
 * Details on demand: fields served from the API server when asked for (the cache stays compact,
 * docs/performance-goals.md §2), through
 * the operation's batched loader (`ctx.details`), never from the compact cache. They show the
 * object as it is now, which may be newer than the rest of the operation's snapshot; null when the
 * object is gone since. A failed read is an UNAVAILABLE error on the field.
 */
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import { MAX_DETAIL_READS } from '../../fleet/details.js';
import type {
  DeployedResourceDetail,
  FleetDetails,
  ModifiedResourceDetail,
  NonReadyResourceDetail,
} from '../../fleet/details.js';
import { builder } from '../builder.js';
import { BundleRef } from '../bundle/ref.js';
import { BundleDeploymentRef } from '../bundledeployment/ref.js';
import { ClusterRef } from '../cluster/ref.js';
import { ClusterGroupRef } from '../clustergroup/ref.js';
import type { GraphQLContext } from '../context.js';
import { GitRepoRef } from '../gitrepo/ref.js';
import { HelmOpRef } from '../helmop/ref.js';

function detailsOf(ctx: GraphQLContext): FleetDetails {
  if (!ctx.details) {
    throw new FleetGraphError(ErrorCode.UNAVAILABLE, 'details from the API server are not available here');
  }
  return ctx.details;
}

const NonReadyStatusRef = builder.objectRef<NonReadyResourceDetail>('NonReadyStatus').implement({
  description:
    'A resource of a deployment that is not ready, as its agent reported it (`status.nonReadyStatus`, at most 10).',
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'Kind of the resource.' }),
    apiVersion: t.exposeString('apiVersion', { description: 'API version of the resource.' }),
    namespace: t.string({
      nullable: true,
      description: 'Namespace of the resource; null when cluster-scoped.',
      resolve: (r) => r.namespace ?? null,
    }),
    name: t.exposeString('name', { description: 'Name of the resource.' }),
    state: t.string({
      nullable: true,
      description: 'Its summarized state (e.g. `in-progress`, `error`), when reported.',
      resolve: (r) => r.state ?? null,
    }),
    error: t.exposeBoolean('error', { description: 'True when the resource is in error.' }),
    transitioning: t.exposeBoolean('transitioning', {
      description: 'True while the resource is changing state.',
    }),
    messages: t.exposeStringList('messages', { description: 'Messages explaining its state.' }),
  }),
});

const ModifiedStatusRef = builder.objectRef<ModifiedResourceDetail>('ModifiedStatus').implement({
  description:
    'A resource of a deployment that differs from what the Bundle declares (`status.modifiedStatus`, at most 10).',
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'Kind of the resource.' }),
    apiVersion: t.exposeString('apiVersion', { description: 'API version of the resource.' }),
    namespace: t.string({
      nullable: true,
      description: 'Namespace of the resource; null when cluster-scoped.',
      resolve: (r) => r.namespace ?? null,
    }),
    name: t.exposeString('name', { description: 'Name of the resource.' }),
    missing: t.exposeBoolean('missing', { description: 'True when it should exist but does not.' }),
    exist: t.exposeBoolean('exist', {
      description: 'With `missing`: it exists, but is not owned by this deployment.',
    }),
    delete: t.exposeBoolean('delete', {
      description: 'True for an extra (orphaned) resource that should be deleted.',
    }),
    patch: t.string({
      nullable: true,
      description: 'The patch that would bring it back to the declared state, when one was computed.',
      resolve: (r) => r.patch ?? null,
    }),
  }),
});

const DeployedResourceRef = builder.objectRef<DeployedResourceDetail>('DeployedResource').implement({
  description: 'A resource a deployment created on its cluster (`status.resources`).',
  fields: (t) => ({
    kind: t.exposeString('kind', { description: 'Kind of the resource.' }),
    apiVersion: t.exposeString('apiVersion', { description: 'API version of the resource.' }),
    namespace: t.string({
      nullable: true,
      description: 'Namespace of the resource; null when cluster-scoped.',
      resolve: (r) => r.namespace ?? null,
    }),
    name: t.exposeString('name', { description: 'Name of the resource.' }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the agent created it, when reported.',
      resolve: (r) => r.createdAt ?? null,
    }),
  }),
});

const RAW_DESCRIPTION =
  'The whole object as the API server has it now (read on demand, so possibly newer than the other fields), without `metadata.managedFields`; null when it is gone since. ' +
  'Unless the caller may `get` Secrets in its namespace, values that may hold credentials read `"[redacted]"`: Helm `values` and `valuesFrom` under any `helm` key (spec, targets, target customizations, a BundleDeployment\'s `options` and `stagedOptions`), and every field whose name says secret, password, token, credential or private key (names ending in `Name`, which only name a Secret, stay). ' +
  `One operation reads at most ${MAX_DETAIL_READS} objects this way (TOO_MANY_DETAIL_READS beyond).`;

builder.objectFields(BundleDeploymentRef, (t) => ({
  nonReadyResources: t.field({
    type: [NonReadyStatusRef],
    nullable: true,
    description:
      'Its resources that are not ready (`status.nonReadyStatus`, at most 10), read from the API server on demand; null when the object is gone.',
    resolve: async (d, _a, ctx) => (await detailsOf(ctx).bundleDeployment(d))?.nonReadyResources ?? null,
  }),
  modifiedResources: t.field({
    type: [ModifiedStatusRef],
    nullable: true,
    description:
      'Its resources that drifted, are missing or are extra (`status.modifiedStatus`, at most 10), read from the API server on demand; null when the object is gone.',
    resolve: async (d, _a, ctx) => (await detailsOf(ctx).bundleDeployment(d))?.modifiedResources ?? null,
  }),
  resources: t.field({
    type: [DeployedResourceRef],
    nullable: true,
    description:
      'The resources it created (`status.resources`), read from the API server on demand; null when the object is gone.',
    resolve: async (d, _a, ctx) => (await detailsOf(ctx).bundleDeployment(d))?.resources ?? null,
  }),
  helmValuesStored: t.boolean({
    nullable: true,
    description:
      'True when its Helm values live in a Secret named like it (`spec.valuesHash` is set, Fleet v0.13+), read on demand; null when the object is gone.',
    resolve: async (d, _a, ctx) => (await detailsOf(ctx).bundleDeployment(d))?.helmValuesStored ?? null,
  }),
  raw: t.field({
    type: 'JSON',
    nullable: true,
    description: RAW_DESCRIPTION,
    resolve: (d, _a, ctx) => detailsOf(ctx).raw(d),
  }),
}));

builder.objectFields(BundleRef, (t) => ({
  resourceNames: t.stringList({
    nullable: true,
    description:
      'Names of the resources in `spec.resources`, without their content (which can be large), read on demand; null when the object is gone.',
    resolve: async (b, _a, ctx) => (await detailsOf(ctx).bundle(b))?.resourceNames ?? null,
  }),
  helmValuesStored: t.boolean({
    nullable: true,
    description:
      'True when its Helm values live in a Secret named like it (`spec.valuesHash` is set, Fleet v0.13+), read on demand; null when the object is gone.',
    resolve: async (b, _a, ctx) => (await detailsOf(ctx).bundle(b))?.helmValuesStored ?? null,
  }),
  raw: t.field({
    type: 'JSON',
    nullable: true,
    description: RAW_DESCRIPTION,
    resolve: (b, _a, ctx) => detailsOf(ctx).raw(b),
  }),
}));

for (const ref of [GitRepoRef, ClusterRef, ClusterGroupRef, HelmOpRef] as const) {
  builder.objectField(ref, 'raw', (t) =>
    t.field({
      type: 'JSON',
      nullable: true,
      description: RAW_DESCRIPTION,
      resolve: (o, _a, ctx) => detailsOf(ctx).raw(o),
    }),
  );
}
