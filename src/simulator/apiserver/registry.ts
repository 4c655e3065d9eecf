/**
 * The resources the emulator serves: the built-in kinds it knows (v1 Namespace, Secret, ConfigMap,
 * Event; apiextensions.k8s.io/v1 CustomResourceDefinition; coordination.k8s.io/v1 Lease), plus one entry per served version of
 * every established CustomResourceDefinition, added and removed as CRDs come and go.
 */
import type { KubeObject } from '../../apis/kube.js';
import { evalJsonPath } from './jsonpath.js';
import { leaseResource } from './lease.js';
import { workloadResources } from './workloads.js';
import {
  isObject,
  type CustomResourceColumnDefinition,
  type CustomResourceDefinition,
  type JSONSchemaProps,
  type JsonObject,
} from './types.js';

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
  cell(obj: KubeObject, now: number): unknown;
}

export interface Resource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: string[];
  readonly categories: string[];
  readonly verbs: string[];
  /** Built-in kinds take strategic merge patches; custom resources answer 415 to them. */
  readonly builtin: boolean;
  readonly statusSubresource: boolean;
  /** Whether `metadata.generation` is maintained (CRDs and custom resources; not for the v1 kinds here). */
  readonly hasGeneration: boolean;
  readonly schema?: JSONSchemaProps | undefined;
  readonly columns: TableColumn[];
  /** Storage is shared by every version of one group/resource. */
  readonly storageKey: string;
  /** The CRD that serves it, if any. */
  readonly crdName?: string;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** apimachinery's `duration.HumanDuration`, used by the Age columns. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function since(ts: unknown, now: number): string {
  if (typeof ts !== 'string') return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
  cell: (o) => o.metadata.name ?? '',
};

const AGE_COLUMN: TableColumn = {
  name: 'Age',
  type: 'string',
  format: '',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: (o, now) => since(o.metadata.creationTimestamp, now),
};

function col(
  name: string,
  type: string,
  cell: (o: JsonObject, now: number) => unknown,
  priority = 0,
  description = '',
): TableColumn {
  return {
    name,
    type,
    format: '',
    description,
    priority,
    cell: (o, now) => cell(o as unknown as JsonObject, now),
  };
}

function field(o: JsonObject, ...path: string[]): unknown {
  let cur: unknown = o;
  for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
}

function count(v: unknown): number {
  return isObject(v) ? Object.keys(v).length : 0;
}

function core(
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[],
  columns: TableColumn[],
  extra: Partial<Resource> = {},
): Resource {
  return {
    group: '',
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    categories: [],
    verbs: ALL_VERBS,
    builtin: true,
    statusSubresource: false,
    hasGeneration: false,
    columns,
    storageKey: plural,
    ...extra,
  };
}

export const NAMESPACE_RESOURCE = core(
  'Namespace',
  'namespaces',
  false,
  ['ns'],
  [
    NAME_COLUMN,
    col('Status', 'string', (o) => field(o, 'status', 'phase'), 0, 'The status of the namespace'),
    AGE_COLUMN,
  ],
  { verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], statusSubresource: true },
);

export const CRD_RESOURCE: Resource = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  verbs: ALL_VERBS,
  builtin: true,
  statusSubresource: true,
  hasGeneration: true,
  columns: [
    NAME_COLUMN,
    {
      name: 'Created At',
      type: 'date',
      format: '',
      description:
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
      priority: 0,
      cell: (o) => o.metadata.creationTimestamp ?? null,
    },
  ],
  storageKey: 'customresourcedefinitions.apiextensions.k8s.io',
};

export const BUILTIN_RESOURCES: Resource[] = [
  NAMESPACE_RESOURCE,
  core(
    'Secret',
    'secrets',
    true,
    [],
    [
      NAME_COLUMN,
      col('Type', 'string', (o) => field(o, 'type') ?? 'Opaque'),
      col('Data', 'integer', (o) => count(field(o, 'data'))),
      AGE_COLUMN,
    ],
  ),
  core(
    'ConfigMap',
    'configmaps',
    true,
    ['cm'],
    [
      NAME_COLUMN,
      col('Data', 'integer', (o) => count(field(o, 'data')) + count(field(o, 'binaryData'))),
      AGE_COLUMN,
    ],
  ),
  core(
    'Event',
    'events',
    true,
    ['ev'],
    [
      col('Last Seen', 'string', (o, now) => {
        const ts =
          field(o, 'lastTimestamp') ?? field(o, 'eventTime') ?? field(o, 'metadata', 'creationTimestamp');
        return since(ts, now);
      }),
      col('Type', 'string', (o) => field(o, 'type') ?? ''),
      col('Reason', 'string', (o) => field(o, 'reason') ?? ''),
      col('Object', 'string', (o) => {
        const kind = field(o, 'involvedObject', 'kind');
        const name = field(o, 'involvedObject', 'name');
        return `${typeof kind === 'string' ? kind.toLowerCase() : ''}/${typeof name === 'string' ? name : ''}`;
      }),
      col('Message', 'string', (o) => field(o, 'message') ?? ''),
    ],
  ),
  CRD_RESOURCE,
  leaseResource(NAME_COLUMN, AGE_COLUMN),
  ...workloadResources(NAME_COLUMN, AGE_COLUMN),
];

function crColumn(c: CustomResourceColumnDefinition): TableColumn {
  return {
    name: c.name,
    type: c.type,
    format: c.format ?? '',
    description: c.description ?? '',
    priority: c.priority ?? 0,
    cell: (o, now) => {
      let values: unknown[];
      try {
        values = evalJsonPath(o, c.jsonPath);
      } catch {
        return null;
      }
      if (values.length === 0) return null;
      const v = values.length === 1 ? values[0] : values;
      // apiextensions tableconvertor: dates become human durations; other values print as JSON
      // unless they are scalars of the declared type.
      if (c.type === 'date') return typeof v === 'string' ? since(v, now) : null;
      if (c.type === 'integer' || c.type === 'number') return typeof v === 'number' ? v : null;
      if (c.type === 'boolean') return typeof v === 'boolean' ? v : null;
      if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(',');
      return typeof v === 'string' ? v : JSON.stringify(v);
    },
  };
}

/** The resources one CRD serves: one per served version. */
export function resourcesOfCrd(crd: CustomResourceDefinition): Resource[] {
  const { group, names, scope, versions } = crd.spec;
  return versions
    .filter((v) => v.served)
    .map((v) => {
      const printer = v.additionalPrinterColumns;
      // Without printer columns the table is Name + Age; with them, Name + the columns given.
      const columns =
        printer && printer.length > 0 ? [NAME_COLUMN, ...printer.map(crColumn)] : [NAME_COLUMN, AGE_COLUMN];
      return {
        group,
        version: v.name,
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        namespaced: scope === 'Namespaced',
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        verbs: ALL_VERBS,
        builtin: false,
        statusSubresource: v.subresources?.status !== undefined,
        hasGeneration: true,
        schema: v.schema?.openAPIV3Schema,
        columns,
        storageKey: `${names.plural}.${group}`,
        crdName: crd.metadata.name,
      };
    });
}

export class Registry {
  /** `group/version` → plural → resource. */
  private readonly byGv = new Map<string, Map<string, Resource>>();

  constructor() {
    for (const r of BUILTIN_RESOURCES) this.add(r);
  }

  add(r: Resource): void {
    const gv = gvKey(r.group, r.version);
    let m = this.byGv.get(gv);
    if (!m) this.byGv.set(gv, (m = new Map<string, Resource>()));
    m.set(r.plural, r);
  }

  removeCrd(crdName: string): Resource[] {
    const removed: Resource[] = [];
    for (const [gv, m] of this.byGv) {
      for (const [plural, r] of m) {
        if (r.crdName === crdName) {
          m.delete(plural);
          removed.push(r);
        }
      }
      if (m.size === 0) this.byGv.delete(gv);
    }
    return removed;
  }

  get(group: string, version: string, plural: string): Resource | undefined {
    return this.byGv.get(gvKey(group, version))?.get(plural);
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.byGv.has(gvKey(group, version));
  }

  /** Every resource, grouped: core first, then groups in order of first registration. */
  all(): Resource[] {
    return [...this.byGv.values()].flatMap((m) => [...m.values()]);
  }

  /** Groups and their versions, preferred (first registered) version first. */
  groups(): { group: string; versions: string[] }[] {
    const out = new Map<string, string[]>();
    for (const r of this.all()) {
      const vs = out.get(r.group) ?? [];
      if (!vs.includes(r.version)) vs.push(r.version);
      out.set(r.group, vs);
    }
    return [...out].map(([group, versions]) => ({ group, versions: sortVersions(versions) }));
  }

  inGroupVersion(group: string, version: string): Resource[] {
    return [...(this.byGv.get(gvKey(group, version))?.values() ?? [])];
  }

  /** The resource that stores a kind, by apiVersion and kind (for `seed`). */
  byKind(apiVersion: string, kind: string): Resource | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    return this.inGroupVersion(group!, version!).find((r) => r.kind === kind);
  }
}

function gvKey(group: string, version: string): string {
  return `${group}/${version}`;
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first (apimachinery CompareKubeAwareVersionStrings). */
export function sortVersions(vs: string[]): string[] {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    return [m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  return [...vs].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2] || a.localeCompare(b);
  });
}
