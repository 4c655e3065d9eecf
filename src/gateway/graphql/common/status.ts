/** Fleet's status blocks shared by several nouns (docs/fleet/objects.md §2.1): summaries, counts, display. */
import type { BundleSummary, NonReadyResource, ResourceCounts } from '../../../apis/fleet.js';
import { emptyResourceCounts } from '../../fleet/index.js';
import type { HelmOpRecord, RecomputedStatus } from '../../fleet/rules/read-model.js';
import { builder, type ObjectFieldBuilder } from '../builder.js';
import { ConditionRef } from './meta.js';
import { BundleStateEnum, toBundleState } from './state.js';

export const NonReadyResourceRef = builder.objectRef<NonReadyResource>('NonReadyResource').implement({
  description: 'One not-ready entry of a summary (at most about 10 are kept by Fleet).',
  fields: (t) => ({
    name: t.string({
      description:
        'What is not ready: `<clusterNamespace>/<clusterName>` in a Bundle summary, the BundleDeployment name in GitRepo, HelmOp and Cluster summaries.',
      resolve: (r) => r.name ?? '',
    }),
    state: t.field({
      type: BundleStateEnum,
      nullable: true,
      description: 'Its state (Fleet field `bundleState`).',
      resolve: (r) => toBundleState(r.bundleState) ?? null,
    }),
    message: t.string({
      nullable: true,
      description: 'Why it is not ready.',
      resolve: (r) => r.message ?? null,
    }),
  }),
});

export const BundleSummaryRef = builder.objectRef<BundleSummary>('BundleSummary').implement({
  description: 'Counts of BundleDeployments by state (Fleet `BundleSummary`).',
  fields: (t) => ({
    ready: t.int({ description: 'Deployments that are Ready.', resolve: (s) => s.ready ?? 0 }),
    desiredReady: t.int({
      description: 'Deployments that should be Ready (all counted ones).',
      resolve: (s) => s.desiredReady ?? 0,
    }),
    notReady: t.int({ description: 'Deployments in NotReady.', resolve: (s) => s.notReady ?? 0 }),
    waitApplied: t.int({ description: 'Deployments in WaitApplied.', resolve: (s) => s.waitApplied ?? 0 }),
    errApplied: t.int({ description: 'Deployments in ErrApplied.', resolve: (s) => s.errApplied ?? 0 }),
    outOfSync: t.int({ description: 'Deployments in OutOfSync.', resolve: (s) => s.outOfSync ?? 0 }),
    modified: t.int({ description: 'Deployments in Modified.', resolve: (s) => s.modified ?? 0 }),
    pending: t.int({
      description: 'Targets still Pending (no deployment yet).',
      resolve: (s) => s.pending ?? 0,
    }),
    nonReadyResources: t.field({
      type: [NonReadyResourceRef],
      description: 'Up to about 10 of the entries that are not ready, as Fleet lists them.',
      resolve: (s) => s.nonReadyResources ?? [],
    }),
  }),
});

export const ResourceCountsRef = builder.objectRef<ResourceCounts>('ResourceCounts').implement({
  description: 'Counts of the Kubernetes resources deployed (Fleet `ResourceCounts`).',
  fields: (t) => ({
    ready: t.exposeInt('ready', { description: 'Resources that are ready.' }),
    desiredReady: t.exposeInt('desiredReady', { description: 'Resources that should be ready.' }),
    waitApplied: t.exposeInt('waitApplied', { description: 'Resources waiting to be applied.' }),
    modified: t.exposeInt('modified', { description: 'Resources changed outside Fleet.' }),
    orphaned: t.exposeInt('orphaned', { description: 'Resources left behind that Fleet no longer wants.' }),
    missing: t.exposeInt('missing', { description: 'Resources that should exist but do not.' }),
    unknown: t.exposeInt('unknown', { description: 'Resources whose state is unknown.' }),
    notReady: t.exposeInt('notReady', { description: 'Resources that are not ready.' }),
  }),
});

export function countsOrZero(c: Readonly<ResourceCounts> | undefined): ResourceCounts {
  return { ...emptyResourceCounts(), ...c };
}

export function summaryOrZero(s: Readonly<BundleSummary> | undefined): BundleSummary {
  return s ?? { ready: 0, desiredReady: 0 };
}

/**
 * `bundleState` beside the `state` string of a Bundle, Cluster or ClusterGroup status (as Fleet
 * wrote it, or recomputed): one mapping of the display state to the enum for all six types. A
 * Cluster words its description apart: its state may be `WaitCheckIn`, which is no deployment state.
 */
export function displayBundleStateField<
  P extends { readonly display: { readonly state?: string | undefined } },
>(t: ObjectFieldBuilder<P>, description = '`state` as an enum; null when empty.') {
  return t.field({
    type: BundleStateEnum,
    nullable: true,
    description,
    resolve: (s) => toBundleState(s.display.state) ?? null,
  });
}

export interface StatusDisplayShape {
  readonly readyBundleDeployments?: string | undefined;
  readonly state?: string | undefined;
  readonly message?: string | undefined;
  readonly error?: boolean | undefined;
}

export const StatusDisplayRef = builder.objectRef<StatusDisplayShape>('StatusDisplay').implement({
  description: 'The display block of a GitRepo or HelmOp status, what `kubectl get` shows.',
  fields: (t) => ({
    readyBundleDeployments: t.string({
      nullable: true,
      description: 'Ready BundleDeployments over desired, as `R/D`.',
      resolve: (d) => d.readyBundleDeployments ?? null,
    }),
    state: t.string({
      nullable: true,
      description: 'The worst state as Fleet wrote it (a Fleet state string, or empty when all are ready).',
      resolve: (d) => d.state ?? null,
    }),
    bundleState: t.field({
      type: BundleStateEnum,
      nullable: true,
      description: '`state` as an enum; null when it is empty or not a BundleDeployment state.',
      resolve: (d) => toBundleState(d.state) ?? null,
    }),
    message: t.string({
      nullable: true,
      description: 'The message shown beside the state.',
      resolve: (d) => d.message ?? null,
    }),
    error: t.boolean({
      description: 'True when the status records an error.',
      resolve: (d) => d.error ?? false,
    }),
  }),
});

export const RecomputedStatusRef = builder.objectRef<RecomputedStatus>('RecomputedStatus').implement({
  description:
    "Status numbers recomputed by fleet-graph from the BundleDeployments that exist now, to compare with what Fleet reported (Fleet's own status can trail or, after a retarget, disagree).",
  fields: (t) => ({
    summary: t.field({
      type: BundleSummaryRef,
      description: 'Deployments by state.',
      resolve: (s) => s.summary,
    }),
    readyClusters: t.exposeInt('readyClusters', {
      description: 'Clusters on which every deployment is Ready.',
    }),
    desiredReadyClusters: t.exposeInt('desiredReadyClusters', {
      description: 'Clusters with at least one deployment.',
    }),
    display: t.field({
      type: StatusDisplayRef,
      description: 'The display block Fleet would write.',
      resolve: (s) => s.display,
    }),
    resourceCounts: t.field({
      type: ResourceCountsRef,
      description: 'Resources summed over the deployments.',
      resolve: (s) => countsOrZero(s.resourceCounts),
    }),
  }),
});

/** The status block GitRepo and HelmOp share (Fleet's StatusBase, docs/fleet/objects.md §2.1). */
type ReportedStatusShape = Omit<HelmOpRecord['status'], 'version'>;

/**
 * The StatusBase fields of a GitRepo or HelmOp status as Fleet reported them: one definition for
 * both types, each naming its own `kubectl get` kind and the condition types it carries.
 */
export function reportedStatusFields<P extends ReportedStatusShape>(
  t: ObjectFieldBuilder<P>,
  words: { readonly kubectlKind: string; readonly conditions: string },
) {
  return {
    // `expose*` cannot be checked against a generic parent, so the numbers resolve explicitly.
    readyClusters: t.int({
      description: 'Clusters on which every deployment is Ready, per Fleet.',
      resolve: (s) => s.readyClusters,
    }),
    desiredReadyClusters: t.int({
      description: 'Clusters with deployments, per Fleet.',
      resolve: (s) => s.desiredReadyClusters,
    }),
    summary: t.field({
      type: BundleSummaryRef,
      description: 'Deployments by state, per Fleet.',
      resolve: (s) => summaryOrZero(s.summary),
    }),
    display: t.field({
      type: StatusDisplayRef,
      description: `What \`kubectl get ${words.kubectlKind}\` shows.`,
      resolve: (s) => s.display,
    }),
    resourceCounts: t.field({
      type: ResourceCountsRef,
      description: 'Resources by state, per Fleet.',
      resolve: (s) => countsOrZero(s.resourceCounts),
    }),
    conditions: t.field({
      type: [ConditionRef],
      description: words.conditions,
      resolve: (s) => s.conditions,
    }),
  };
}
