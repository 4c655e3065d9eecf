/**
 * TEST FIXTURE BUILDERS. Not used by production code.
 *
 * `snapshotOf(records)` implements the store's Snapshot contract over plain arrays, and the
 * `aCluster`, `aBundle`, `aDeployment`, … builders make records with Fleet's linking labels
 * already set (docs/fleet/links.md §3.1), so unit tests in fleet/ and graphql/ can describe a fleet in a
 * few lines. Defaults: workspace `fleet-default`, everything Ready.
 */
import type {
  BundleDependsOn,
  BundleState,
  BundleTarget,
  GitTarget,
  TargetCriteria,
} from '../../src/apis/fleet.js';
import {
  LABEL_BUNDLE_NAME,
  LABEL_BUNDLE_NAMESPACE,
  LABEL_CLUSTER,
  LABEL_CLUSTER_NAMESPACE,
  LABEL_HELMOP_NAME,
  LABEL_MANAGED,
  LABEL_NAMESPACE_NAME,
  LABEL_REPO_NAME,
} from '../../src/apis/labels.js';
import type { LabelSelector } from '../../src/apis/selector.js';
import type {
  BundleDeploymentRecord,
  BundleNamespaceMappingRecord,
  BundleRecord,
  ClusterGroupRecord,
  ClusterRecord,
  ConditionRecord,
  FleetRecord,
  GitRepoRecord,
  HelmOpRecord,
  Labels,
  NamespaceRecord,
  RecordKind,
  RecordMeta,
  RecordOf,
  ReportedStatus,
  Snapshot,
} from '../../src/gateway/store/records.js';

const WS = 'fleet-default';
let uidSeq = 0;

interface MetaInput {
  name: string;
  namespace?: string;
  labels?: Labels;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

function meta(m: MetaInput, defaultNamespace = WS): RecordMeta {
  const namespace = m.namespace ?? defaultNamespace;
  return {
    key: namespace ? `${namespace}/${m.name}` : m.name,
    namespace,
    name: m.name,
    uid: m.uid ?? `uid-${++uidSeq}`,
    resourceVersion: m.resourceVersion ?? '1',
    generation: m.generation ?? 1,
    labels: m.labels ?? {},
    creationTimestamp: m.creationTimestamp ?? '2026-01-01T00:00:00Z',
    deletionTimestamp: m.deletionTimestamp,
  };
}

/** The per-cluster namespace the fixtures use when none is given (Fleet hashes it; docs/fleet/links.md §3.2). */
export function clusterNamespaceFor(namespace: string, name: string): string {
  return `cluster-${namespace}-${name}`;
}

export interface ClusterInput extends MetaInput {
  /** `status.namespace`. Defaults to {@link clusterNamespaceFor}; pass `undefined` for "not set yet". */
  clusterNamespace?: string | undefined;
  paused?: boolean;
  lastSeen?: string | undefined;
  status?: Partial<ClusterRecord['status']>;
}

export function aCluster(c: ClusterInput): ClusterRecord {
  const m = meta(c);
  return {
    ...m,
    kind: 'Cluster',
    clusterNamespace: 'clusterNamespace' in c ? c.clusterNamespace : clusterNamespaceFor(m.namespace, m.name),
    paused: c.paused ?? false,
    lastSeen: 'lastSeen' in c ? c.lastSeen : '2026-01-01T00:00:00Z',
    status: {
      summary: undefined,
      display: {},
      conditions: [],
      readyGitRepos: 0,
      desiredReadyGitRepos: 0,
      resourceCounts: undefined,
      ...c.status,
    },
  };
}

export interface GroupInput extends MetaInput {
  /** Defaults to `null` (no members, docs/fleet/targeting.md §4.2). */
  selector?: LabelSelector | null;
}

export function aGroup(g: GroupInput): ClusterGroupRecord {
  return {
    ...meta(g),
    kind: 'ClusterGroup',
    selector: g.selector ?? null,
    status: { clusterCount: 0, nonReadyClusterCount: 0, summary: undefined, display: {}, conditions: [] },
  };
}

export interface BundleInput extends MetaInput {
  /** Sets `repoName` and the `fleet.cattle.io/repo-name` label. */
  repoName?: string;
  helmOpName?: string;
  targets?: BundleTarget[];
  targetRestrictions?: TargetCriteria[];
  targetCustomizationMode?: 'FirstMatch' | 'AllMatches';
  dependsOn?: BundleDependsOn[];
  paused?: boolean;
  agentBundle?: boolean;
  rolloutStrategy?: BundleRecord['rolloutStrategy'];
  status?: Partial<BundleRecord['status']>;
}

export function aBundle(b: BundleInput): BundleRecord {
  const labels: Record<string, string> = { ...b.labels };
  if (b.repoName) labels[LABEL_REPO_NAME] = b.repoName;
  if (b.helmOpName) labels[LABEL_HELMOP_NAME] = b.helmOpName;
  return {
    ...meta({ ...b, labels }),
    kind: 'Bundle',
    repoName: b.repoName,
    helmOpName: b.helmOpName,
    paused: b.paused ?? false,
    targets: b.targets ?? [],
    targetRestrictions: b.targetRestrictions ?? [],
    targetCustomizationMode: b.targetCustomizationMode ?? 'FirstMatch',
    dependsOn: b.dependsOn ?? [],
    rolloutStrategy: b.rolloutStrategy,
    forceSyncGeneration: 0,
    agentBundle: b.agentBundle ?? b.name.startsWith('fleet-agent-'),
    status: {
      observedGeneration: 1,
      summary: undefined,
      display: {},
      conditions: [],
      newlyCreated: 0,
      unavailablePartitions: 0,
      maxUnavailablePartitions: 0,
      ...b.status,
    },
  };
}

/**
 * A GitRepo's Bundle as `fleet apply` writes it (docs/fleet/targeting.md §4.1): the GitRepo targets in both `targets`
 * and `targetRestrictions`, after any fleet.yaml customizations.
 */
export function aGitRepoBundle(
  b: Omit<BundleInput, 'targets' | 'targetRestrictions'> & {
    repoName: string;
    gitTargets: GitTarget[];
    customizations?: BundleTarget[];
  },
): BundleRecord {
  const gitTargets = b.gitTargets.length > 0 ? b.gitTargets : [{ name: 'default', clusterGroup: 'default' }];
  return aBundle({
    ...b,
    targets: [...(b.customizations ?? []), ...gitTargets],
    targetRestrictions: gitTargets,
  });
}

export interface DeploymentInput {
  bundle: string | BundleRecord;
  /** The Cluster, or its name (then `clusterNamespace`/`namespace` are taken from the options). */
  cluster: string | ClusterRecord;
  /** Namespace of the Bundle (workspace). */
  bundleNamespace?: string;
  /** Namespace of the Cluster object. */
  clusterObjectNamespace?: string;
  /** The per-cluster namespace the BD lives in. */
  namespace?: string;
  repoName?: string;
  helmOpName?: string;
  /** The docs/fleet/state.md §5.1 state the status fields should produce. Default Ready. */
  state?: BundleState;
  /** Message on the Deployed condition. */
  message?: string;
  dependsOn?: BundleDependsOn[];
  labels?: Labels;
  uid?: string;
  deletionTimestamp?: string;
  resourceCounts?: BundleDeploymentRecord['resourceCounts'];
  conditions?: ConditionRecord[];
}

/** Status fields that make docs/fleet/state.md §5.1 derive `state`. */
function fieldsForState(state: BundleState, message: string | undefined) {
  const id = 's-abc:opts1';
  const deployed = (status: string): ConditionRecord => ({
    type: 'Deployed',
    status,
    reason: status === 'False' ? 'Error' : '',
    message: message ?? '',
  });
  const base = {
    deploymentID: id,
    stagedDeploymentID: id,
    appliedDeploymentID: id,
    ready: true,
    nonModified: true,
    conditions: [deployed('True')],
  };
  switch (state) {
    case 'Ready':
    case 'Pending':
      return base;
    case 'ErrApplied':
      return { ...base, appliedDeploymentID: 's-old:opts0', conditions: [deployed('False')] };
    case 'WaitApplied':
      return { ...base, appliedDeploymentID: 's-old:opts0' };
    case 'NotReady':
      return { ...base, ready: false };
    case 'OutOfSync':
      return { ...base, stagedDeploymentID: 's-new:opts2' };
    case 'Modified':
      return { ...base, nonModified: false };
  }
}

export function aDeployment(d: DeploymentInput): BundleDeploymentRecord {
  const bundle = typeof d.bundle === 'string' ? undefined : d.bundle;
  const cluster = typeof d.cluster === 'string' ? undefined : d.cluster;
  const bundleName = bundle?.name ?? (d.bundle as string);
  const bundleNamespace = bundle?.namespace ?? d.bundleNamespace ?? WS;
  const clusterName = cluster?.name ?? (d.cluster as string);
  const clusterObjectNamespace = cluster?.namespace ?? d.clusterObjectNamespace ?? bundleNamespace;
  const namespace =
    d.namespace ?? cluster?.clusterNamespace ?? clusterNamespaceFor(clusterObjectNamespace, clusterName);
  const repoName = d.repoName ?? bundle?.repoName;
  const helmOpName = d.helmOpName ?? bundle?.helmOpName;
  const labels: Record<string, string> = {
    ...d.labels,
    [LABEL_BUNDLE_NAME]: bundleName,
    [LABEL_BUNDLE_NAMESPACE]: bundleNamespace,
    [LABEL_CLUSTER]: clusterName,
    [LABEL_CLUSTER_NAMESPACE]: clusterObjectNamespace,
    [LABEL_MANAGED]: 'true',
  };
  if (repoName) labels[LABEL_REPO_NAME] = repoName;
  if (helmOpName) labels[LABEL_HELMOP_NAME] = helmOpName;
  const fields = fieldsForState(d.state ?? 'Ready', d.message);
  return {
    ...meta({ name: bundleName, namespace, labels, uid: d.uid, deletionTimestamp: d.deletionTimestamp }),
    kind: 'BundleDeployment',
    bundleName,
    bundleNamespace,
    clusterName,
    clusterNamespace: clusterObjectNamespace,
    repoName,
    helmOpName,
    paused: false,
    offSchedule: false,
    dependsOn: d.dependsOn ?? bundle?.dependsOn ?? [],
    ...fields,
    conditions: d.conditions ?? fields.conditions,
    reportedState: d.state ?? 'Ready',
    resourceCounts: d.resourceCounts,
    nonReadyCount: 0,
    modifiedCount: 0,
  };
}

function reportedStatus(s: Partial<ReportedStatus> | undefined): ReportedStatus {
  return {
    readyClusters: 0,
    desiredReadyClusters: 0,
    summary: undefined,
    display: {},
    conditions: [],
    resourceCounts: undefined,
    ...s,
  };
}

export interface GitRepoInput extends MetaInput {
  repo?: string;
  targets?: GitTarget[];
  paused?: boolean;
  annotations?: Labels;
  status?: Partial<GitRepoRecord['status']>;
}

export function aGitRepo(g: GitRepoInput): GitRepoRecord {
  return {
    ...meta(g),
    kind: 'GitRepo',
    repo: g.repo ?? 'https://github.com/rancher/fleet-examples',
    paths: [],
    targets: g.targets ?? [],
    paused: g.paused ?? false,
    forceSyncGeneration: 0,
    annotations: g.annotations ?? {},
    status: {
      ...reportedStatus(g.status),
      observedGeneration: 1,
      updateGeneration: 0,
      gitJobStatus: 'Current',
      ...g.status,
    },
  };
}

export interface HelmOpInput extends MetaInput {
  targets?: BundleTarget[];
  status?: Partial<HelmOpRecord['status']>;
}

export function aHelmOp(h: HelmOpInput): HelmOpRecord {
  return {
    ...meta(h),
    kind: 'HelmOp',
    chart: 'chart',
    repo: 'https://charts.example.com',
    targets: h.targets ?? [],
    paused: false,
    status: reportedStatus(h.status),
  };
}

export interface MappingInput extends MetaInput {
  bundleSelector?: LabelSelector | null;
  namespaceSelector?: LabelSelector | null;
}

export function aMapping(m: MappingInput): BundleNamespaceMappingRecord {
  return {
    ...meta(m),
    kind: 'BundleNamespaceMapping',
    bundleSelector: m.bundleSelector ?? null,
    namespaceSelector: m.namespaceSelector ?? null,
  };
}

/** A Namespace record; Kubernetes sets `kubernetes.io/metadata.name` on every namespace. */
export function aNamespace(n: { name: string; labels?: Labels }): NamespaceRecord {
  return {
    ...meta({ name: n.name, namespace: '', labels: { ...n.labels, [LABEL_NAMESPACE_NAME]: n.name } }, ''),
    kind: 'Namespace',
  };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

const WORKSPACE_KINDS: ReadonlySet<RecordKind> = new Set([
  'GitRepo',
  'HelmOp',
  'Bundle',
  'Cluster',
  'ClusterGroup',
  'BundleNamespaceMapping',
]);

/**
 * A Snapshot over plain arrays (indexes built once). Later records with the same kind and key
 * replace earlier ones.
 */
export function snapshotOf(
  records: readonly FleetRecord[],
  opts: { revision?: number; takenAt?: number } = {},
): Snapshot {
  const byKind = new Map<RecordKind, Map<string, FleetRecord>>();
  for (const r of records) {
    let m = byKind.get(r.kind);
    if (!m) byKind.set(r.kind, (m = new Map<string, FleetRecord>()));
    m.set(r.key, r);
  }
  const sorted = new Map<RecordKind, FleetRecord[]>();
  for (const [kind, m] of byKind) sorted.set(kind, [...m.values()].sort(byKey));
  const all = <K extends RecordKind>(kind: K) => (sorted.get(kind) ?? []) as RecordOf<K>[];

  const bdByBundle = new Map<string, BundleDeploymentRecord[]>();
  const bdByRepo = new Map<string, BundleDeploymentRecord[]>();
  const bdByHelmOp = new Map<string, BundleDeploymentRecord[]>();
  const bdByNs = new Map<string, BundleDeploymentRecord[]>();
  for (const bd of all('BundleDeployment')) {
    const ns = bd.labels[LABEL_BUNDLE_NAMESPACE] ?? '';
    const bname = bd.labels[LABEL_BUNDLE_NAME];
    const repo = bd.labels[LABEL_REPO_NAME];
    const op = bd.labels[LABEL_HELMOP_NAME];
    if (bname !== undefined) push(bdByBundle, `${ns}/${bname}`, bd);
    if (repo !== undefined) push(bdByRepo, `${ns}/${repo}`, bd);
    if (op !== undefined) push(bdByHelmOp, `${ns}/${op}`, bd);
    push(bdByNs, bd.namespace, bd);
  }
  const bundlesByRepo = new Map<string, BundleRecord[]>();
  const bundlesByOp = new Map<string, BundleRecord[]>();
  for (const b of all('Bundle')) {
    const repo = b.labels[LABEL_REPO_NAME];
    const op = b.labels[LABEL_HELMOP_NAME];
    if (repo !== undefined) push(bundlesByRepo, `${b.namespace}/${repo}`, b);
    if (op !== undefined) push(bundlesByOp, `${b.namespace}/${op}`, b);
  }
  const clusterByNs = new Map<string, ClusterRecord>();
  for (const c of all('Cluster')) if (c.clusterNamespace) clusterByNs.set(c.clusterNamespace, c);
  const workspaces = new Set<string>();
  for (const [kind, list] of sorted)
    if (WORKSPACE_KINDS.has(kind)) for (const r of list) workspaces.add(r.namespace);

  return {
    revision: opts.revision ?? 1,
    takenAt: opts.takenAt ?? Date.UTC(2026, 0, 1),
    get: (kind, key) => byKind.get(kind)?.get(key) as never,
    list: (kind, namespace) =>
      namespace === undefined ? all(kind) : all(kind).filter((r) => r.namespace === namespace),
    deploymentsOfBundle: (ns, name) => bdByBundle.get(`${ns}/${name}`) ?? [],
    deploymentsOfGitRepo: (ns, name) => bdByRepo.get(`${ns}/${name}`) ?? [],
    deploymentsOfHelmOp: (ns, name) => bdByHelmOp.get(`${ns}/${name}`) ?? [],
    deploymentsInNamespace: (ns) => bdByNs.get(ns) ?? [],
    bundlesOfGitRepo: (ns, name) => bundlesByRepo.get(`${ns}/${name}`) ?? [],
    bundlesOfHelmOp: (ns, name) => bundlesByOp.get(`${ns}/${name}`) ?? [],
    clusterByClusterNamespace: (ns) => clusterByNs.get(ns),
    workspaces: () => [...workspaces].sort(),
  };
}
