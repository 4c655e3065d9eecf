/**
 * Freshness: how current an answer is. Every GraphQL result carries
 * `extensions.freshness: { synced, stale, staleKinds, staleSince }` for the Kubernetes kinds the
 * operation read (server/freshness.ts adds it); BundleDeployment events also carry it as a field.
 *
 * Which kinds an operation reads is approximated from its document: every selected field's
 * return type (and the type of every fragment) maps to the kinds it is built from, by the table
 * below; root fields whose answers derive from several kinds (findings, alerts, previews) map
 * through their types too. Interfaces that can be any object (`Node`, `FleetObject`) read every kind.
 * Scalars and the `version` field read none.
 */
import {
  getNamedType,
  isAbstractType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { builder } from '../builder.js';

/** Kubernetes kind names, as `staleKinds` reports them. */
export type KindName =
  | 'GitRepo'
  | 'HelmOp'
  | 'Bundle'
  | 'BundleDeployment'
  | 'Cluster'
  | 'ClusterGroup'
  | 'BundleNamespaceMapping'
  | 'GitRepoRestriction'
  | 'Namespace';

export const ALL_KINDS: readonly KindName[] = [
  'GitRepo',
  'HelmOp',
  'Bundle',
  'BundleDeployment',
  'Cluster',
  'ClusterGroup',
  'BundleNamespaceMapping',
  'GitRepoRestriction',
  'Namespace',
];

/** What one answer's freshness says (the `extensions.freshness` object). */
export interface Freshness {
  /** Every kind read has completed its first list. */
  readonly synced: boolean;
  /** Some kind read is served from the last good state while its watch is not healthy. */
  readonly stale: boolean;
  /** Those kinds, by their Kubernetes names, sorted. */
  readonly staleKinds: readonly string[];
  /** ISO time the oldest of their watches stopped being healthy; null when fresh. */
  readonly staleSince: string | null;
}

/** The gateway's view of its watches, for the answers (composed in gateway.ts). */
export interface FreshnessSource {
  report(kinds: readonly string[]): Freshness;
  /** Resolves true once every kind is synced, false after `timeoutMs`. */
  waitSynced(kinds: readonly string[], timeoutMs: number): Promise<boolean>;
  /** Calls `listener` whenever the report for `kinds` changes. Returns the unsubscribe. */
  onChange(kinds: readonly string[], listener: () => void): () => void;
}

/** Derived answers: the kinds a Fleet rule reads to produce them. */
const TARGETING: readonly KindName[] = [
  'GitRepo',
  'Bundle',
  'BundleDeployment',
  'Cluster',
  'ClusterGroup',
  'BundleNamespaceMapping',
];
const FINDINGS: readonly KindName[] = ['GitRepo', 'Bundle', 'BundleDeployment', 'Cluster'];
/** Previews and retargets also ask whether GitRepoRestrictions refuse the GitRepo. */
const RESTRICTED_TARGETING: readonly KindName[] = [...TARGETING, 'GitRepoRestriction'];

/** GraphQL type name → the kinds it is built from. Types not listed read none. */
const TYPE_KINDS: Readonly<Record<string, readonly KindName[]>> = {
  GitRepo: ['GitRepo'],
  GitRepoConnection: ['GitRepo'],
  GitRepoEdge: ['GitRepo'],
  GitRepoStatus: ['GitRepo'],
  GitRepoTargeting: TARGETING,
  GitRepoPayload: ['GitRepo', 'GitRepoRestriction'],
  CreateGitRepoPayload: ['GitRepo', 'GitRepoRestriction'],
  DeleteGitRepoPayload: ['GitRepo'],
  HelmOp: ['HelmOp'],
  HelmOpConnection: ['HelmOp'],
  HelmOpEdge: ['HelmOp'],
  HelmOpStatus: ['HelmOp'],
  Bundle: ['Bundle'],
  BundleConnection: ['Bundle'],
  BundleEdge: ['Bundle'],
  BundleStatus: ['Bundle'],
  BundleSummary: ['BundleDeployment'],
  BundleDependency: ['Bundle'],
  BundleDependsOn: ['Bundle'],
  DependencyCycle: ['Bundle'],
  DeploymentBlocker: ['Bundle', 'BundleDeployment'],
  BundleDeployment: ['BundleDeployment'],
  BundleDeploymentConnection: ['BundleDeployment'],
  BundleDeploymentEdge: ['BundleDeployment'],
  BundleDeploymentEvent: ['BundleDeployment', 'Bundle', 'Cluster'],
  BundleDeploymentRemoval: ['BundleDeployment'],
  Cluster: ['Cluster'],
  ClusterConnection: ['Cluster'],
  ClusterEdge: ['Cluster'],
  ClusterStatus: ['Cluster'],
  ClusterGroup: ['ClusterGroup', 'Cluster'],
  ClusterGroupConnection: ['ClusterGroup'],
  ClusterGroupEdge: ['ClusterGroup'],
  ClusterGroupStatus: ['ClusterGroup'],
  Workspace: ['Namespace', 'GitRepo', 'Cluster'],
  BundleTarget: TARGETING,
  TargetedCluster: TARGETING,
  TargetedClusterConnection: TARGETING,
  TargetedClusterEdge: TARGETING,
  TargetMatch: TARGETING,
  TargetingError: TARGETING,
  PreviewedCluster: RESTRICTED_TARGETING,
  RetargetPlan: RESTRICTED_TARGETING,
  BundleRetargetPlan: TARGETING,
  RetargetGitRepoPayload: RESTRICTED_TARGETING,
  RetargetOperation: ['GitRepo', 'BundleDeployment'],
  RetargetProgress: ['GitRepo', 'BundleDeployment'],
  RetargetStep: ['GitRepo', 'BundleDeployment'],
  CancelRetargetPayload: ['GitRepo'],
  PruneOrphanedBundleDeploymentsPayload: FINDINGS,
  RecomputedStatus: FINDINGS,
  RecomputedBundleStatus: FINDINGS,
  RecomputedClusterStatus: FINDINGS,
  RecomputedClusterGroupStatus: [...FINDINGS, 'ClusterGroup'],
  Inconsistency: FINDINGS,
  InconsistencyConnection: FINDINGS,
  InconsistencyEdge: FINDINGS,
  InconsistencyEvent: FINDINGS,
  Alert: FINDINGS,
  AlertEvent: FINDINGS,
};

const cache = new WeakMap<DocumentNode, readonly KindName[]>();

/** The kinds an operation reads (see the module comment), sorted; cached per parsed document. */
export function kindsOfOperation(schema: GraphQLSchema, document: DocumentNode): readonly KindName[] {
  const cached = cache.get(document);
  if (cached) return cached;
  const kinds = new Set<KindName>();
  const add = (name: string | undefined) => {
    for (const k of (name && TYPE_KINDS[name]) || []) kinds.add(k);
  };
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const type = typeInfo.getType();
        if (!type) return;
        const named = getNamedType(type);
        if (isAbstractType(named) && !TYPE_KINDS[named.name]) for (const k of ALL_KINDS) kinds.add(k);
        else add(named.name);
      },
      InlineFragment() {
        add(typeInfo.getType() ? getNamedType(typeInfo.getType())!.name : undefined);
      },
      FragmentDefinition() {
        add(typeInfo.getType() ? getNamedType(typeInfo.getType())!.name : undefined);
      },
    }),
  );
  const out = ALL_KINDS.filter((k) => kinds.has(k));
  cache.set(document, out);
  return out;
}

export const FreshnessRef = builder.objectRef<Freshness>('Freshness').implement({
  description:
    'How current an answer is: whether the kinds it reads are listed, and whether some are served from the last good state while their watch is unhealthy (failing, relisting or silent beyond a short grace). Every GraphQL result carries the same object as `extensions.freshness`.',
  fields: (t) => ({
    synced: t.exposeBoolean('synced', {
      description: 'Every kind read has completed its first list from the API server.',
    }),
    stale: t.exposeBoolean('stale', {
      description: 'Some kind read is served from its last good state because its watch is not healthy.',
    }),
    staleKinds: t.exposeStringList('staleKinds', {
      description: 'The stale kinds, by their Kubernetes names (`GitRepo`, `BundleDeployment`, …).',
    }),
    staleSince: t.string({
      nullable: true,
      description: 'ISO time the oldest of their watches stopped being healthy; null when fresh.',
      resolve: (f) => f.staleSince,
    }),
  }),
});
