/**
 * Details on demand (the cache keeps only what the schema and Fleet's rules need, so it stays
 * compact: docs/performance-goals.md §2, §5.3): the parts of Fleet
 * objects the compact records leave out (full BundleDeployment status lists, resources, Bundle
 * resource names, Helm values presence, the raw object) are read from the API server when a query
 * asks for them. {@link DetailSource} is the port: the gateway's composition implements it with
 * store/'s per-operation DataLoader (batched GETs, each object at most once per operation), and
 * graphql/ only sees {@link FleetDetails}, the typed accessors over it.
 *
 * A fetched object is what the API server has now, which may be newer than the operation's
 * snapshot. An object gone since the snapshot, or replaced by another with the same name (another
 * uid), has no details: null. A failed read is UNAVAILABLE.
 */
import type { Bundle, BundleDeployment } from '../../apis/fleet.js';
import type { KubeObject } from '../../apis/kube.js';
import { ErrorCode, FleetGraphError } from '../../shared/errors.js';
import type { DetailLoader } from '../store/details.js';
import type { BundleDeploymentRecord, BundleRecord, FleetRecord } from '../store/records.js';

/** The kinds whose objects can be read whole. All are namespaced. */
export type DetailKind = 'GitRepo' | 'HelmOp' | 'Bundle' | 'BundleDeployment' | 'Cluster' | 'ClusterGroup';

/** A record of a kind with details. */
export type DetailRecord = Extract<FleetRecord, { kind: DetailKind }>;

/** A raw Kubernetes object as JSON. */
export type RawObject = Readonly<Record<string, unknown>>;

/**
 * The port: reads one object as the API server has it now; null when it does not exist. Expected
 * to batch and cache per operation (one instance per operation). Any rejection is a failed read.
 */
export interface DetailSource {
  object(kind: DetailKind, namespace: string, name: string): Promise<RawObject | null>;
}

/** store/'s per-operation loader as a {@link DetailSource}. */
export function detailSourceOf(loader: DetailLoader): DetailSource {
  return {
    object: (kind, namespace, name) => loader.object({ kind, namespace, name }),
  };
}

/** One entry of `BundleDeployment.status.nonReadyStatus` (docs/fleet/objects.md §2.1). */
export interface NonReadyResourceDetail {
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly state: string | undefined;
  readonly error: boolean;
  readonly transitioning: boolean;
  readonly messages: readonly string[];
}

/** One entry of `BundleDeployment.status.modifiedStatus` (docs/fleet/objects.md §2.1). */
export interface ModifiedResourceDetail {
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly missing: boolean;
  readonly exist: boolean;
  readonly delete: boolean;
  readonly patch: string | undefined;
}

/** One entry of `BundleDeployment.status.resources` (docs/fleet/objects.md §2.5). */
export interface DeployedResourceDetail {
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly createdAt: string | undefined;
}

/** The BundleDeployment parts the record leaves out (docs/fleet/objects.md §2.5, docs/fleet/operations.md §8.2). */
export interface BundleDeploymentDetails {
  readonly nonReadyResources: readonly NonReadyResourceDetail[];
  readonly modifiedResources: readonly ModifiedResourceDetail[];
  readonly resources: readonly DeployedResourceDetail[];
  /** `status.incompleteState`: a status list was cut off at 10 entries. */
  readonly incompleteState: boolean;
  /** `spec.valuesHash` is set: the Helm values live in a Secret named like the deployment. */
  readonly helmValuesStored: boolean;
}

/** The Bundle parts the record leaves out (docs/fleet/objects.md §2.3, docs/fleet/operations.md §8.2). */
export interface BundleDetails {
  /** Names in `spec.resources`, in order, without their content. */
  readonly resourceNames: readonly string[];
  /** `spec.valuesHash` is set: the Helm values live in a Secret named like the bundle. */
  readonly helmValuesStored: boolean;
}

/** Distinct objects one operation may read from the API server; past it, TOO_MANY_DETAIL_READS. */
export const MAX_DETAIL_READS = 200;

/** What replaces a redacted value in `raw`. */
export const REDACTED = '[redacted]';

/**
 * Helm values (and where they come from) as they appear in Fleet objects: a Bundle's and HelmOp's
 * `spec.helm`, each of a Bundle's `spec.targets[].helm` and a GitRepo's target customizations, and a
 * BundleDeployment's `spec.options.helm` and `spec.stagedOptions.helm`.
 */
const HELM_VALUE_KEYS = new Set(['values', 'valuesFrom']);

/**
 * A field whose name says it holds a secret, password or token (`clientSecret`, `password`,
 * `authToken`…). Names ending in `Name` (`clientSecretName`, `helmSecretName`) name a Secret object
 * rather than hold its content, and stay.
 */
const SECRET_KEY = /secret|passw(or)?d|token|credential|private.?key/i;

function redactValue(value: unknown, path: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => redactValue(v, path));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const inHelm = path[path.length - 1] === 'helm';
    if ((inHelm && HELM_VALUE_KEYS.has(k)) || (SECRET_KEY.test(k) && !/Name$/.test(k))) out[k] = REDACTED;
    else out[k] = redactValue(v, [...path, k]);
  }
  return out;
}

/**
 * `raw` without what may hold credentials: Helm values and values sources under any `helm` key,
 * and every field named like a secret, password or token (see {@link SECRET_KEY}). Metadata is kept.
 */
export function redactRaw(o: RawObject): RawObject {
  const { metadata, ...rest } = o;
  return { ...(redactValue(rest, []) as RawObject), ...(metadata === undefined ? {} : { metadata }) };
}

export interface FleetDetailsOptions {
  /**
   * Whether this operation's caller may read Secrets in a namespace (`get secrets`): then `raw`
   * is returned whole. Absent (no authenticated caller): always redacted.
   */
  readonly mayReadSecrets?: ((namespace: string) => Promise<boolean>) | undefined;
  /** Distinct objects this operation may read (default {@link MAX_DETAIL_READS}). */
  readonly maxReads?: number | undefined;
}

/** The typed accessors graphql/ uses. Null: the object is gone (or another has its name now). */
export interface FleetDetails {
  /**
   * The whole object as the API server has it now, without `metadata.managedFields`, redacted
   * ({@link redactRaw}) unless the caller may read Secrets in its namespace.
   */
  raw(record: DetailRecord): Promise<RawObject | null>;
  bundleDeployment(record: BundleDeploymentRecord): Promise<BundleDeploymentDetails | null>;
  bundle(record: BundleRecord): Promise<BundleDetails | null>;
  /** Distinct objects this operation has read from the API server so far (its answer is live). */
  readonly reads: number;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The typed accessors over a source. Create one per operation, with the source. */
export function fleetDetails(source: DetailSource, opts: FleetDetailsOptions = {}): FleetDetails {
  const bdCache = new WeakMap<object, BundleDeploymentDetails>();
  const bundleCache = new WeakMap<object, BundleDetails>();
  const maxReads = opts.maxReads ?? MAX_DETAIL_READS;
  const read = new Set<string>();

  async function load(record: DetailRecord): Promise<KubeObject | null> {
    const key = `${record.kind}:${record.namespace}/${record.name}`;
    if (!read.has(key)) {
      // A bound on the API server reads one operation can cause, however wide its selection.
      if (read.size >= maxReads) {
        throw new FleetGraphError(
          ErrorCode.TOO_MANY_DETAIL_READS,
          `this operation asks for details of more than ${maxReads} objects; ask for fewer (smaller pages)`,
          { limit: maxReads },
        );
      }
      read.add(key);
    }
    let obj: RawObject | null;
    try {
      obj = await source.object(record.kind, record.namespace, record.name);
    } catch (e) {
      if (e instanceof FleetGraphError) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      // The reason may name internal addresses: for the log, not the caller.
      throw new FleetGraphError(
        ErrorCode.UNAVAILABLE,
        `could not read ${record.kind} ${record.key} from the API server`,
        { kind: record.kind, namespace: record.namespace, name: record.name },
        reason,
      );
    }
    const o = obj as KubeObject | null;
    if (!o) return null;
    // Deleted and created again under the same name: not the object the record describes.
    if (record.uid && o.metadata?.uid && o.metadata.uid !== record.uid) return null;
    return o;
  }

  return {
    get reads() {
      return read.size;
    },
    async raw(record) {
      const o = await load(record);
      if (!o) return null;
      const { managedFields: _managed, ...metadata } = o.metadata ?? {};
      const whole = { ...o, metadata };
      const mayRead = opts.mayReadSecrets ? await opts.mayReadSecrets(record.namespace) : false;
      return mayRead ? whole : redactRaw(whole);
    },

    async bundleDeployment(record) {
      const o = (await load(record)) as BundleDeployment | null;
      if (!o) return null;
      let d = bdCache.get(o);
      if (!d) {
        const st = o.status ?? {};
        d = {
          nonReadyResources: (st.nonReadyStatus ?? []).map((r) => ({
            kind: r.kind ?? '',
            apiVersion: r.apiVersion ?? '',
            namespace: str(r.namespace),
            name: r.name ?? '',
            state: str(r.summary?.state),
            error: r.summary?.error === true,
            transitioning: r.summary?.transitioning === true,
            messages: r.summary?.message ?? [],
          })),
          modifiedResources: (st.modifiedStatus ?? []).map((r) => ({
            kind: r.kind ?? '',
            apiVersion: r.apiVersion ?? '',
            namespace: str(r.namespace),
            name: r.name ?? '',
            missing: r.missing === true,
            exist: r.exist === true,
            delete: r.delete === true,
            patch: str(r.patch),
          })),
          resources: (st.resources ?? []).map((r) => ({
            kind: r.kind ?? '',
            apiVersion: r.apiVersion ?? '',
            namespace: str(r.namespace),
            name: r.name ?? '',
            createdAt: str(r.createdAt),
          })),
          incompleteState: st.incompleteState === true,
          helmValuesStored: str(o.spec?.valuesHash) !== undefined,
        };
        bdCache.set(o, d);
      }
      return d;
    },

    async bundle(record) {
      const o = (await load(record)) as Bundle | null;
      if (!o) return null;
      let d = bundleCache.get(o);
      if (!d) {
        d = {
          resourceNames: (o.spec?.resources ?? []).flatMap((r) => (r.name ? [r.name] : [])),
          helmValuesStored: str(o.spec?.valuesHash) !== undefined,
        };
        bundleCache.set(o, d);
      }
      return d;
    },
  };
}
