/**
 * Raw Kubernetes objects → the compact frozen records of records.ts. Only the fields listed there
 * are kept; everything else (managedFields, spec.resources, full status lists, Helm options) is
 * dropped here and fetched on demand by the detail loader. Repeated strings and values go through
 * the shared interner.
 *
 * Why this file is over 400 lines: one builder per watched kind over the same interning helpers,
 * plus the compact BundleDeployment record whose shared-field signature must stay next to the field
 * list it is derived from.
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
  GitRepoRestriction,
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
  GitRepoRestrictionRecord,
  HelmOpRecord,
  HelmTemplating,
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
 * Set for the duration of one toRecord call (records are built synchronously).
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
  // Signature by hand (runs per event); empty fields are dropped below, so '' stands for absent.
  let sig = 'c';
  for (const c of conditions) {
    sig += `\u0001${c.type}\u0002${c.status}\u0002${c.reason ?? ''}\u0002${c.message ?? ''}\u0002${c.lastUpdateTime ?? ''}`;
  }
  return interner.value(sig, () =>
    Object.freeze(
      conditions.map((c) => {
        const r: {
          type: string;
          status: string;
          reason?: string;
          message?: string;
          lastUpdateTime?: string;
        } = {
          type: interner.str(c.type),
          status: interner.str(c.status),
        };
        if (c.reason) r.reason = interner.str(c.reason);
        if (c.message) r.message = c.message;
        if (c.lastUpdateTime) r.lastUpdateTime = interner.str(c.lastUpdateTime);
        return Object.freeze(r);
      }),
    ),
  );
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
    serviceAccount: spec.serviceAccount,
    clientSecretName: spec.clientSecretName,
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
    // docs/fleet/operations.md §8.1: the per-cluster agent bundles carry this objectset annotation.
    agentBundle: o.metadata.annotations?.[ANNOTATION_OBJECTSET_ID] === AGENT_BUNDLE_OBJECTSET_ID,
    helmTemplating: helmTemplatingOf(interner, spec.helm),
    status: Object.freeze({
      observedGeneration: num(st?.observedGeneration),
      summary: summary(interner, st?.summary),
      display: display(interner, st?.display),
      conditions: conditionsOf(interner, st?.conditions),
      newlyCreated: num(st?.newlyCreated),
      unavailablePartitions: num(st?.unavailablePartitions),
      maxUnavailablePartitions: num(st?.maxUnavailablePartitions),
    }),
  });
}

/**
 * The parts of a BundleDeployment record that BDs of one bundle usually share (the same deployment
 * IDs, flags, counts and reported state on every cluster where it is in the same state). Interned,
 * so thousands of records point at one copy.
 */
interface BundleDeploymentShared {
  readonly generation: number;
  readonly bundleName: string;
  readonly bundleNamespace: string;
  readonly clusterNamespace: string;
  readonly repoName: string | undefined;
  readonly helmOpName: string | undefined;
  readonly deploymentID: string;
  readonly stagedDeploymentID: string;
  readonly appliedDeploymentID: string;
  readonly paused: boolean;
  readonly offSchedule: boolean;
  readonly dependsOn: readonly BundleDependsOn[];
  readonly ready: boolean;
  readonly nonModified: boolean;
  readonly reportedState: string | undefined;
  readonly resourceCounts: Readonly<ResourceCounts> | undefined;
  readonly nonReadyCount: number;
  readonly modifiedCount: number;
}

/**
 * BundleDeployments are the bulk of the cache (50k and more), so their record is a class: the
 * per-object fields are own properties, the shared ones are read through prototype getters from
 * one interned {@link BundleDeploymentShared}. Field reads behave like a plain record; only
 * `Object.keys`/spread see the own fields (nothing in the read path copies records).
 */
class CompactBundleDeploymentRecord implements BundleDeploymentRecord {
  constructor(
    readonly key: string,
    readonly namespace: string,
    readonly name: string,
    readonly uid: string,
    readonly resourceVersion: string,
    readonly labels: Labels,
    readonly creationTimestamp: string,
    readonly deletionTimestamp: string | undefined,
    readonly clusterName: string,
    readonly conditions: readonly ConditionRecord[],
    private readonly s: BundleDeploymentShared,
  ) {
    Object.freeze(this);
  }

  get kind(): 'BundleDeployment' {
    return 'BundleDeployment';
  }
  get generation(): number {
    return this.s.generation;
  }
  get bundleName(): string {
    return this.s.bundleName;
  }
  get bundleNamespace(): string {
    return this.s.bundleNamespace;
  }
  get clusterNamespace(): string {
    return this.s.clusterNamespace;
  }
  get repoName(): string | undefined {
    return this.s.repoName;
  }
  get helmOpName(): string | undefined {
    return this.s.helmOpName;
  }
  get deploymentID(): string {
    return this.s.deploymentID;
  }
  get stagedDeploymentID(): string {
    return this.s.stagedDeploymentID;
  }
  get appliedDeploymentID(): string {
    return this.s.appliedDeploymentID;
  }
  get paused(): boolean {
    return this.s.paused;
  }
  get offSchedule(): boolean {
    return this.s.offSchedule;
  }
  get dependsOn(): readonly BundleDependsOn[] {
    return this.s.dependsOn;
  }
  get ready(): boolean {
    return this.s.ready;
  }
  get nonModified(): boolean {
    return this.s.nonModified;
  }
  get reportedState(): string | undefined {
    return this.s.reportedState;
  }
  get resourceCounts(): Readonly<ResourceCounts> | undefined {
    return this.s.resourceCounts;
  }
  get nonReadyCount(): number {
    return this.s.nonReadyCount;
  }
  get modifiedCount(): number {
    return this.s.modifiedCount;
  }

  /** A plain-object view with every field, for logs, JSON and tests. */
  toJSON(): Record<string, unknown> {
    const { s, ...own } = this as unknown as { s: BundleDeploymentShared } & Record<string, unknown>;
    return { kind: this.kind, ...own, ...s };
  }
}

/**
 * Labels of a parsed object, frozen in place with interned values: JSON.parse already made a
 * compact object with internalised keys, so re-building it would only cost memory.
 */
function ownLabels(interner: Interner, labels: Record<string, string> | undefined): Labels {
  if (!labels || Object.isFrozen(labels)) return labelsOf(interner, labels);
  let n = 0;
  for (const k in labels) {
    labels[k] = interner.str(labels[k]!);
    n++;
  }
  return n === 0 ? EMPTY_LABELS : Object.freeze(labels);
}

const NONE = '\u0000';
const text = (v: string): string => v;
const optText = (v: string | undefined): string => v ?? NONE;
const whole = (v: number): number => v;
const flag = (v: boolean): string => (v ? '1' : '0');

/** Every ResourceCounts field, named once: the compiler rejects a list that misses one. */
const RESOURCE_COUNT_FIELDS = Object.keys({
  ready: 0,
  desiredReady: 0,
  waitApplied: 0,
  modified: 0,
  orphaned: 0,
  missing: 0,
  unknown: 0,
  notReady: 0,
} satisfies Record<keyof ResourceCounts, 0>) as readonly (keyof ResourceCounts)[];

/**
 * How each shared field enters the equality key. The type demands one entry per field of
 * {@link BundleDeploymentShared}, so a shared field added without a place in the key does not
 * compile (two deployments would otherwise be handed one shared part and report each other's
 * value). Nested values are interned already, so their JSON is short.
 */
const SHARED_KEY: {
  readonly [K in keyof BundleDeploymentShared]-?: (v: BundleDeploymentShared[K]) => string | number;
} = {
  generation: whole,
  bundleName: text,
  bundleNamespace: text,
  clusterNamespace: text,
  repoName: optText,
  helmOpName: optText,
  deploymentID: text,
  stagedDeploymentID: text,
  appliedDeploymentID: text,
  paused: flag,
  offSchedule: flag,
  dependsOn: (d) => (d.length === 0 ? '' : JSON.stringify(d)),
  ready: flag,
  nonModified: flag,
  reportedState: optText,
  resourceCounts: (rc) => (rc ? RESOURCE_COUNT_FIELDS.map((f) => rc[f]).join(',') : NONE),
  nonReadyCount: whole,
  modifiedCount: whole,
};

/** The fields a BundleDeployment shares with equal ones (exported for the property test). */
export const BUNDLE_DEPLOYMENT_SHARED_FIELDS = Object.keys(
  SHARED_KEY,
) as readonly (keyof BundleDeploymentShared)[];

/**
 * Equality key of the shared part, derived from {@link SHARED_KEY}: this runs once per BD event,
 * and JSON.stringify of the whole part was the largest cost of ingesting a list.
 */
function bundleDeploymentSignature(c: BundleDeploymentShared): string {
  let key = 'bd';
  for (const f of BUNDLE_DEPLOYMENT_SHARED_FIELDS) {
    key += '\u0001' + String((SHARED_KEY[f] as (v: unknown) => string | number)(c[f]));
  }
  return key;
}

/** `adopt`: the caller hands `o` over (it will not touch it again), so parts of it may be kept. */
export function bundleDeploymentRecord(
  interner: Interner,
  o: BundleDeployment,
  adopt = false,
): BundleDeploymentRecord {
  const spec = o.spec ?? {};
  const st = o.status;
  const m = o.metadata;
  const labels = m.labels ?? {};
  const common: BundleDeploymentShared = {
    generation: num(m.generation),
    bundleName: interner.str(labels[LABEL_BUNDLE_NAME] ?? ''),
    bundleNamespace: interner.str(labels[LABEL_BUNDLE_NAMESPACE] ?? ''),
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
    reportedState: interner.str(st?.display?.state),
    resourceCounts: counts(interner, st?.resourceCounts),
    nonReadyCount: st?.nonReadyStatus?.length ?? 0,
    modifiedCount: st?.modifiedStatus?.length ?? 0,
  };
  const namespace = interner.str(m.namespace ?? '');
  // A BD is named after its bundle (docs/fleet/links.md §3.2), so names repeat across clusters.
  const name = interner.str(m.name ?? '');
  const key = objectKey(namespace, name);
  return new CompactBundleDeploymentRecord(
    key === keyHint ? keyHint : key,
    namespace,
    name,
    m.uid ?? '',
    m.resourceVersion ?? '',
    adopt ? ownLabels(interner, m.labels) : labelsOf(interner, m.labels),
    interner.str(str(m.creationTimestamp) ?? ''),
    interner.str(str(m.deletionTimestamp)),
    interner.str(labels[LABEL_CLUSTER] ?? ''),
    conditionsOf(interner, st?.conditions),
    interner.value(bundleDeploymentSignature(common), () => Object.freeze(common)),
  );
}

/** Bundle-level Helm options needed to template values per cluster; undefined when there is nothing to template. */
function helmTemplatingOf(
  interner: Interner,
  helm: Record<string, unknown> | undefined,
): HelmTemplating | undefined {
  const isMap = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!helm || (!isMap(helm.values) && !isMap(helm.templateValues) && helm.disablePreProcess !== true))
    return undefined;
  return shared<HelmTemplating>(interner, 'helm', {
    ...(isMap(helm.values) ? { values: helm.values } : {}),
    ...(isMap(helm.templateValues) ? { templateValues: helm.templateValues as Record<string, string> } : {}),
    ...(helm.disablePreProcess === true ? { disablePreProcess: true } : {}),
  });
}

/** Annotations as Fleet's templates see them (wrangler's CleanAnnotationsForExport). */
function templateAnnotations(interner: Interner, a: Record<string, string> | undefined): Labels | undefined {
  if (!a) return undefined;
  const kept = Object.entries(a).filter(
    ([k]) => !k.startsWith('kubectl.kubernetes.io/') && !k.includes('cattle.io/'),
  );
  return kept.length > 0 ? labelsOf(interner, Object.fromEntries(kept)) : undefined;
}

export function clusterRecord(interner: Interner, o: Cluster): ClusterRecord {
  const spec = o.spec ?? {};
  const st = o.status;
  return Object.freeze({
    kind: 'Cluster' as const,
    ...meta(interner, o, true),
    annotations: templateAnnotations(interner, o.metadata.annotations),
    templateValues: sharedOpt(interner, 'tv', spec.templateValues),
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
    // docs/fleet/state.md §5.6: a null selector yields no clusters, so null is kept apart from {}.
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

export function gitRepoRestrictionRecord(
  interner: Interner,
  o: GitRepoRestriction,
): GitRepoRestrictionRecord {
  return Object.freeze({
    kind: 'GitRepoRestriction' as const,
    ...meta(interner, o, true),
    defaultServiceAccount: o.defaultServiceAccount ?? '',
    allowedServiceAccounts: sharedList(interner, 'p', o.allowedServiceAccounts),
    allowedRepoPatterns: sharedList(interner, 'p', o.allowedRepoPatterns),
    defaultClientSecretName: o.defaultClientSecretName ?? '',
    allowedClientSecretNames: sharedList(interner, 'p', o.allowedClientSecretNames),
    allowedTargetNamespaces: sharedList(interner, 'p', o.allowedTargetNamespaces),
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
  adopt = false,
): FleetRecord {
  keyHint = existingKey;
  try {
    return buildRecord(interner, kind, obj, adopt);
  } finally {
    keyHint = undefined;
  }
}

function buildRecord(interner: Interner, kind: WatchKind, obj: KubeObject, adopt: boolean): FleetRecord {
  switch (kind) {
    case 'GitRepo':
      return gitRepoRecord(interner, obj as GitRepo);
    case 'HelmOp':
      return helmOpRecord(interner, obj as HelmOp);
    case 'Bundle':
      return bundleRecord(interner, obj as Bundle);
    case 'BundleDeployment':
      return bundleDeploymentRecord(interner, obj as BundleDeployment, adopt);
    case 'Cluster':
      return clusterRecord(interner, obj as Cluster);
    case 'ClusterGroup':
      return clusterGroupRecord(interner, obj as ClusterGroup);
    case 'BundleNamespaceMapping':
      return bundleNamespaceMappingRecord(interner, obj);
    case 'GitRepoRestriction':
      return gitRepoRestrictionRecord(interner, obj);
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
