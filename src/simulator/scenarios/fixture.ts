/**
 * Fixtures: Kubernetes YAML as `kubectl get … -o yaml` prints it (multi-document, or `kind: List`),
 * loaded into the simulator at start so a snapshot of a real fleet can be replayed offline. Every
 * document is checked before anything is loaded; the error names the document (and list item) and
 * the problem. Server-owned metadata (resourceVersion, uid, managedFields, …) is stripped.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { ResourceType } from '../../apis/gvr.js';
import {
  BUNDLE_DEPLOYMENTS,
  BUNDLE_NAMESPACE_MAPPINGS,
  BUNDLES,
  CLUSTER_GROUPS,
  CLUSTERS,
  CONTENTS,
  GITREPO_RESTRICTIONS,
  GITREPOS,
  HELMOPS,
  NAMESPACES,
  apiVersionOf,
} from '../../apis/gvr.js';
import type { KubeObject } from '../../apis/kube.js';
import { labelKeyProblem, labelValueProblem } from '../../apis/selector.js';
import { ErrorCode, FleetGraphError } from '../../shared/errors.js';

/** The kinds a fixture may hold. */
export const FIXTURE_TYPES: readonly ResourceType[] = [
  NAMESPACES,
  CLUSTERS,
  CLUSTER_GROUPS,
  BUNDLE_NAMESPACE_MAPPINGS,
  GITREPO_RESTRICTIONS,
  GITREPOS,
  HELMOPS,
  BUNDLES,
  BUNDLE_DEPLOYMENTS,
  CONTENTS,
];

const SERVER_FIELDS = [
  'resourceVersion',
  'uid',
  'managedFields',
  'selfLink',
  'creationTimestamp',
  'generation',
] as const;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export class FixtureError extends FleetGraphError {
  constructor(
    file: string,
    readonly problems: readonly { document: string; message: string }[],
  ) {
    super(
      ErrorCode.INVALID_CONFIG,
      `fixture ${file} is invalid, nothing was loaded:\n  ${problems.map((p) => `${p.document}: ${p.message}`).join('\n  ')}`,
      { problems: problems.map((p) => ({ field: p.document, message: p.message })) },
    );
    this.name = 'FixtureError';
  }
}

export interface FixtureObject {
  readonly type: ResourceType;
  readonly object: KubeObject;
  /** Where it came from, e.g. `document 3` or `document 1 item 4`. */
  readonly where: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typeOf(apiVersion: unknown, kind: unknown): ResourceType | undefined {
  return FIXTURE_TYPES.find((t) => t.kind === kind && apiVersionOf(t) === apiVersion);
}

/** Problems of one object; empty when it can be loaded. */
function check(obj: Record<string, unknown>): { type?: ResourceType; problems: string[] } {
  const problems: string[] = [];
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || apiVersion === '') problems.push('apiVersion is required');
  if (typeof kind !== 'string' || kind === '') problems.push('kind is required');
  if (problems.length > 0) return { problems };
  const type = typeOf(apiVersion, kind);
  if (!type) {
    return {
      problems: [
        `unknown kind ${String(kind)} (apiVersion ${String(apiVersion)}); a fixture may hold ${FIXTURE_TYPES.map((t) => t.kind).join(', ')}`,
      ],
    };
  }
  const meta = obj.metadata;
  if (!isRecord(meta)) return { type, problems: ['metadata is required'] };
  const name = meta.name;
  if (typeof name !== 'string' || name === '') problems.push('metadata.name is required');
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name))
    problems.push(`metadata.name "${name}" is not a valid name (lowercase RFC 1123 subdomain)`);
  if (type.namespaced) {
    const ns = meta.namespace;
    if (typeof ns !== 'string' || ns === '') problems.push(`metadata.namespace is required for ${type.kind}`);
    else if (ns.length > 63 || !DNS_LABEL.test(ns))
      problems.push(`metadata.namespace "${ns}" is not a valid namespace name`);
  }
  for (const field of ['labels', 'annotations'] as const) {
    const m = meta[field];
    if (m === undefined || m === null) continue;
    if (!isRecord(m)) {
      problems.push(`metadata.${field} must be a map`);
      continue;
    }
    for (const [k, v] of Object.entries(m)) {
      const kp = labelKeyProblem(k);
      if (kp) problems.push(`metadata.${field}: ${kp}`);
      if (typeof v !== 'string') problems.push(`metadata.${field}.${k} must be a string`);
      else if (field === 'labels') {
        const vp = labelValueProblem(v);
        if (vp) problems.push(`metadata.labels.${k}: ${vp}`);
      }
    }
  }
  if ('spec' in obj && obj.spec !== null && !isRecord(obj.spec)) problems.push('spec must be an object');
  if ('status' in obj && obj.status !== null && !isRecord(obj.status))
    problems.push('status must be an object');
  if (type === GITREPOS) {
    const spec = isRecord(obj.spec) ? obj.spec : {};
    if (typeof spec.repo !== 'string' || spec.repo === '')
      problems.push('spec.repo is required for a GitRepo');
    if (
      spec.paths !== undefined &&
      !(Array.isArray(spec.paths) && spec.paths.every((p) => typeof p === 'string'))
    )
      problems.push('spec.paths must be a list of strings');
    if (spec.targets !== undefined && spec.targets !== null && !Array.isArray(spec.targets))
      problems.push('spec.targets must be a list');
  }
  if (type === BUNDLES || type === CLUSTERS || type === CLUSTER_GROUPS || type === BUNDLE_DEPLOYMENTS) {
    if (obj.spec !== undefined && !isRecord(obj.spec)) problems.push('spec must be an object');
    if (
      type === BUNDLES &&
      isRecord(obj.spec) &&
      obj.spec.targets != null &&
      !Array.isArray(obj.spec.targets)
    )
      problems.push('spec.targets must be a list');
  }
  return { type, problems };
}

function clean(obj: Record<string, unknown>): KubeObject {
  const meta = { ...(obj.metadata as Record<string, unknown>) };
  for (const f of SERVER_FIELDS) delete meta[f];
  const out = { ...obj, metadata: meta } as unknown as KubeObject;
  return out;
}

/** Parses and validates fixture text; throws FixtureError listing every problem. */
export function parseFixture(text: string, file = 'fixture'): FixtureObject[] {
  const problems: { document: string; message: string }[] = [];
  const out: FixtureObject[] = [];
  const seen = new Map<string, string>();
  const docs = parseAllDocuments(text);
  const all = Array.isArray(docs) ? docs : [docs];
  all.forEach((doc, i) => {
    const where = `document ${i + 1}`;
    if (doc.errors.length > 0) {
      problems.push({
        document: where,
        message: `unparseable YAML: ${doc.errors.map((e) => e.message).join('; ')}`,
      });
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing ---
    if (!isRecord(value)) {
      problems.push({ document: where, message: 'is not a Kubernetes object (expected a map)' });
      return;
    }
    const items: [string, unknown][] =
      typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)
        ? value.items.map((item, j) => [`${where} item ${j + 1}`, item] as [string, unknown])
        : [[where, value]];
    for (const [at, item] of items) {
      if (!isRecord(item)) {
        problems.push({ document: at, message: 'is not a Kubernetes object (expected a map)' });
        continue;
      }
      const { type, problems: ps } = check(item);
      const str = (v: unknown) => (typeof v === 'string' ? v : '');
      const m = isRecord(item.metadata) ? item.metadata : {};
      const ref = [str(m.namespace), str(m.name)].filter(Boolean).join('/');
      const desc = [str(item.kind) || '?', ref].filter(Boolean).join(' ');
      for (const p of ps) problems.push({ document: `${at} (${desc})`, message: p });
      if (ps.length > 0 || !type) continue;
      const object = clean(item);
      const id = `${type.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
      const first = seen.get(id);
      if (first) {
        problems.push({ document: `${at} (${desc})`, message: `duplicate of ${first}` });
        continue;
      }
      seen.set(id, at);
      out.push({ type, object, where: at });
    }
  });
  if (problems.length > 0) throw new FixtureError(file, problems);
  return out;
}

export async function loadFixture(file: string): Promise<FixtureObject[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new FixtureError(file, [{ document: 'file', message: `cannot be read: ${(e as Error).message}` }]);
  }
  return parseFixture(text, file);
}
