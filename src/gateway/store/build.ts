/**
 * Raw Kubernetes objects → the compact frozen records of records.ts. Only the fields listed there
 * are kept; everything else (managedFields, spec.resources, full status lists, Helm options) is
 * dropped here and fetched on demand by the detail loader. Repeated strings and values go through
 * the shared interner.
 */
import type {
  Bundle,
  BundleDependsOn,
  BundleDeployment,
  BundleNamespaceMapping,
  BundleSummary,
  BundleTarget,
  Cluster,
  ClusterGroup,
  Condition,
  GitRepo,
  GitTarget,
  HelmOp,
  ResourceCounts,
  RolloutStrategy,
  StatusBase,
  TargetCriteria,
} from '../../apis/fleet.js';
import type { KubeObject } from '../../apis/kube.js';
import { objectKey } from '../../apis/kube.js';
import {
  AGENT_BUNDLE_OBJECTSET_ID,
  ANNOTATION_OBJECTSET_ID,
  LABEL_BUNDLE_NAME,
  LABEL_BUNDLE_NAMESPACE,
  LABEL_CLUSTER,
  LABEL_CLUSTER_NAMESPACE,
  LABEL_HELMOP_NAME,
  LABEL_REPO_NAME,
} from '../../apis/labels.js';
import type { LabelSelector } from '../../apis/selector.js';
import type { WatchKind } from '../kube/types.js';
import type { Interner } from './intern.js';
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
  RecordMeta,
  ReportedStatus,
} from './records.js';

const EMPTY_LABELS: Labels = Object.freeze({});
const EMPTY: readonly never[] = Object.freeze([]);

/** Freezes a plain JSON value and everything inside it. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

/** A frozen deep copy of a JSON value, shared with every other equal value through the interner. */
function shared<T>(interner: Interner, tag: string, v: T): T {
  const sig = `${tag}\0${JSON.stringify(v)}`;
  return interner.value(sig, () => deepFreeze(structuredClone(v)));
}

function sharedList<T>(interner: Interner, tag: string, v: readonly T[] | null | undefined): readonly T[] {
  return v && v.length > 0 ? shared(interner, tag, v) : EMPTY;
}

function sharedOpt<T>(interner: Interner, tag: string, v: T | null | undefined): Readonly<T> | undefined {
  return v === null || v === undefined ? undefined : shared(interner, tag, v);
}

function labelsOf(interner: Interner, labels: Record<string, string> | undefined): Labels {
  if (!labels) return EMPTY_LABELS;
  const keys = Object.keys(labels);
  if (keys.length === 0) return EMPTY_LABELS;
  // Same key order → same hidden class across objects, so per-map cost is one slot per label.
  keys.sort();
  const out: Record<string, string> = {};
  for (const k of keys) out[interner.str(k)] = interner.str(labels[k]!);
  return Object.freeze(out);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  // client-node's typed core APIs turn timestamps into Date objects; watch events carry strings.
  if (v instanceof Date) return v.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return undefined;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * The key the store already holds for this object, if any: a replaced record reuses the string
 * the table keys on instead of carrying an equal copy of it.
 */
let keyHint: string | undefined;

function meta(interner: Interner, obj: KubeObject, internName: boolean): RecordMeta {
  const m = obj.metadata;
  const namespace = interner.str(m.namespace ?? '');
  const name = internName ? interner.str(m.name ?? '') : (m.name ?? '');
  const key = objectKey(namespace, name);
  return {
    key: key === keyHint ? keyHint : key,
    namespace,
    name,
    uid: m.uid ?? '',
    resourceVersion: m.resourceVersion ?? '',
    generation: num(m.generation),
    labels: labelsOf(interner, m.labels),
    creationTimestamp: interner.str(str(m.creationTimestamp) ?? ''),
    deletionTimestamp: interner.str(str(m.deletionTimestamp)),
  };
}

function conditionsOf(interner: Interner, conditions: Condition[] | undefined): readonly ConditionRecord[] {
  if (!conditions || conditions.length === 0) return EMPTY;
  const compact = conditions.map((c) => {
    const r: { type: string; status: string; reason?: string; message?: string; lastUpdateTime?: string } = {
      type: c.type,
      status: c.status,
    };
    if (c.reason) r.reason = c.reason;
    if (c.message) r.message = c.message;
    if (c.lastUpdateTime) r.lastUpdateTime = c.lastUpdateTime;
    return r;
  });
  return shared(interner, 'c', compact);
}

function counts(interner: Interner, rc: ResourceCounts | undefined): Readonly<ResourceCounts> | undefined {
  return sharedOpt(interner, 'rc', rc);
}

function summary(interner: Interner, s: BundleSummary | undefined): Readonly<BundleSummary> | undefined {
  return sharedOpt(interner, 's', s);
}

function display<T extends object>(interner: Interner, d: T | undefined): Readonly<T> {
  return d ? shared(interner, 'd', d) : (EMPTY_LABELS as Readonly<T>);
}

function reportedStatus(interner: Interner, s: StatusBase | undefined): ReportedStatus {
  return {
    readyClusters: num(s?.readyClusters),
    desiredReadyClusters: num(s?.desiredReadyClusters),
    summary: summary(interner, s?.summary),
    display: display(interner, s?.display),
    conditions: conditionsOf(interner, s?.conditions),
    resourceCounts: counts(interner, s?.resourceCounts),
  };
}

function selectorOf(interner: Interner, s: LabelSelector | null | undefined): Readonly<LabelSelector> | null {
  return s === null || s === undefined ? null : shared(interner, 'sel', s);
}

export function gitRepoRecord(interner: Interner, o: GitRepo): GitRepoRecord {
  const spec = o.spec ?? { repo: '' };
  const st = o.status;
  return Object.freeze({
    kind: 'GitRepo' as const,
    ...meta(interner, o, true),
    repo: spec.repo ?? '',
    branch: spec.branch,
    revision: spec.revision,
    paths: sharedList(interner, 'p', spec.paths),
    targets: sharedList<GitTarget>(interner, 'gt', spec.targets),
    targetNamespace: spec.targetNamespace,
    paused: spec.paused === true,
    forceSyncGeneration: num(spec.forceSyncGeneration),
    annotations: labelsOf(interner, o.metadata.annotations),
    status: Object.freeze({
      ...reportedStatus(interner, st),
      observedGeneration: num(st?.observedGeneration),
      updateGeneration: num(st?.updateGeneration),
      commit: st?.commit,
      gitJobStatus: st?.gitJobStatus,
    }),
  });
}

export function helmOpRecord(interner: Interner, o: HelmOp): HelmOpRecord {
  const spec = o.spec ?? {};
  const helm = (spec.helm ?? {}) as { chart?: unknown; repo?: unknown; version?: unknown };
  return Object.freeze({
    kind: 'HelmOp' as const,
    ...meta(interner, o, true),
    chart: str(helm.chart),
    repo: str(helm.repo),
    version: str(helm.version),
    targets: sharedList<BundleTarget>(interner, 'bt', spec.targets),
    paused: spec.paused === true,
    status: Object.freeze({ ...reportedStatus(interner, o.status), version: o.status?.version }),
  });
}

export function bundleRecord(interner: Interner, o: Bundle): BundleRecord {
  const spec = o.spec ?? {};
  const st = o.status;
  const labels = o.metadata.labels ?? {};
  return Object.freeze({
    kind: 'Bundle' as const,
    ...meta(interner, o, true),
    repoName: interner.str(labels[LABEL_REPO_NAME]),
    helmOpName: interner.str(labels[LABEL_HELMOP_NAME]),
    paused: spec.paused === true,
    targets: sharedList<BundleTarget>(interner, 'bt', spec.targets),
    targetRestrictions: sharedList<TargetCriteria>(interner, 'tr', spec.targetRestrictions),
    targetCustomizationMode: spec.targetCustomizationMode === 'AllMatches' ? 'AllMatches' : 'FirstMatch',
    dependsOn: sharedList<BundleDependsOn>(interner, 'dep', spec.dependsOn),
    rolloutStrategy: sharedOpt<RolloutStrategy>(interner, 'ro', spec.rolloutStrategy),
    forceSyncGeneration: num(spec.forceSyncGeneration),
    // fleet-model §8.1: the per-cluster agent bundles carry this objectset annotation.
    agentBundle: o.metadata.annotations?.[ANNOTATION_OBJECTSET_ID] === AGENT_BUNDLE_OBJECTSET_ID,
    status: Object.freeze({
      observedGeneration: num(st?.observedGeneration),
      summary: summary(interner, st?.summary),
      display: display(interner, st?.display),
      conditions: conditionsOf(interner, st?.conditions),
    }),
  });
}

export function bundleDeploymentRecord(interner: Interner, o: BundleDeployment): BundleDeploymentRecord {
  const spec = o.spec ?? {};
  const st = o.status;
  const labels = o.metadata.labels ?? {};
  return Object.freeze({
    kind: 'BundleDeployment' as const,
    // A BD is named after its bundle (fleet-model §2.1), so names repeat across clusters.
    ...meta(interner, o, true),
    bundleName: interner.str(labels[LABEL_BUNDLE_NAME] ?? ''),
    bundleNamespace: interner.str(labels[LABEL_BUNDLE_NAMESPACE] ?? ''),
    clusterName: interner.str(labels[LABEL_CLUSTER] ?? ''),
    clusterNamespace: interner.str(labels[LABEL_CLUSTER_NAMESPACE] ?? ''),
    repoName: interner.str(labels[LABEL_REPO_NAME]),
    helmOpName: interner.str(labels[LABEL_HELMOP_NAME]),
    deploymentID: interner.str(spec.deploymentID ?? ''),
    stagedDeploymentID: interner.str(spec.stagedDeploymentID ?? ''),
    appliedDeploymentID: interner.str(st?.appliedDeploymentID ?? ''),
    paused: spec.paused === true,
    offSchedule: spec.offSchedule === true,
    dependsOn: sharedList<BundleDependsOn>(interner, 'dep', spec.dependsOn),
    ready: st?.ready === true,
    nonModified: st?.nonModified === true,
    conditions: conditionsOf(interner, st?.conditions),
    reportedState: interner.str(st?.display?.state),
    resourceCounts: counts(interner, st?.resourceCounts),
    nonReadyCount: st?.nonReadyStatus?.length ?? 0,
    modifiedCount: st?.modifiedStatus?.length ?? 0,
  });
}

export function clusterRecord(interner: Interner, o: Cluster): ClusterRecord {
  const spec = o.spec ?? {};
  const st = o.status;
  return Object.freeze({
    kind: 'Cluster' as const,
    ...meta(interner, o, true),
    clusterNamespace: interner.str(st?.namespace),
    paused: spec.paused === true,
    lastSeen: st?.agent?.lastSeen,
    status: Object.freeze({
      summary: summary(interner, st?.summary),
      display: display(interner, st?.display),
      conditions: conditionsOf(interner, st?.conditions),
      readyGitRepos: num(st?.readyGitRepos),
      desiredReadyGitRepos: num(st?.desiredReadyGitRepos),
      resourceCounts: counts(interner, st?.resourceCounts),
    }),
  });
}

export function clusterGroupRecord(interner: Interner, o: ClusterGroup): ClusterGroupRecord {
  const st = o.status;
  return Object.freeze({
    kind: 'ClusterGroup' as const,
    ...meta(interner, o, true),
    // fleet-model §5.6: a null selector yields no clusters, so null is kept apart from {}.
    selector: selectorOf(interner, o.spec?.selector),
    status: Object.freeze({
      clusterCount: num(st?.clusterCount),
      nonReadyClusterCount: num(st?.nonReadyClusterCount),
      summary: summary(interner, st?.summary),
      display: display(interner, st?.display),
      conditions: conditionsOf(interner, st?.conditions),
    }),
  });
}

export function bundleNamespaceMappingRecord(
  interner: Interner,
  o: BundleNamespaceMapping,
): BundleNamespaceMappingRecord {
  return Object.freeze({
    kind: 'BundleNamespaceMapping' as const,
    ...meta(interner, o, true),
    bundleSelector: selectorOf(interner, o.bundleSelector),
    namespaceSelector: selectorOf(interner, o.namespaceSelector),
  });
}

export function namespaceRecord(interner: Interner, o: KubeObject): NamespaceRecord {
  return Object.freeze({ kind: 'Namespace' as const, ...meta(interner, o, true) });
}

/**
 * The record for a raw object of a watched kind. `existingKey`: the key string the caller already
 * holds for this object (shared instead of copied).
 */
export function toRecord(
  interner: Interner,
  kind: WatchKind,
  obj: KubeObject,
  existingKey?: string,
): FleetRecord {
  keyHint = existingKey;
  try {
    return buildRecord(interner, kind, obj);
  } finally {
    keyHint = undefined;
  }
}

function buildRecord(interner: Interner, kind: WatchKind, obj: KubeObject): FleetRecord {
  switch (kind) {
    case 'GitRepo':
      return gitRepoRecord(interner, obj as GitRepo);
    case 'HelmOp':
      return helmOpRecord(interner, obj as HelmOp);
    case 'Bundle':
      return bundleRecord(interner, obj as Bundle);
    case 'BundleDeployment':
      return bundleDeploymentRecord(interner, obj as BundleDeployment);
    case 'Cluster':
      return clusterRecord(interner, obj as Cluster);
    case 'ClusterGroup':
      return clusterGroupRecord(interner, obj as ClusterGroup);
    case 'BundleNamespaceMapping':
      return bundleNamespaceMappingRecord(interner, obj);
    case 'Namespace':
      return namespaceRecord(interner, obj);
  }
}

/**
 * True when two records of the same object differ only in resourceVersion: the change touched
 * nothing the read model keeps (managedFields, a status list kept out of the record, …).
 */
export function sameExceptVersion(a: FleetRecord, b: FleetRecord): boolean {
  return equalJson(a, b, 'resourceVersion');
}

function equalJson(a: unknown, b: unknown, skipKey?: string): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (k === skipKey) continue;
    if (!equalJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
