/**
 * Fleet's names, hashes and IDs (docs/fleet/objects.md §2.5, docs/fleet/links.md §3.2), computed the way Fleet computes them so
 * that a simulated object is named exactly like a real one. Pure functions, no I/O.
 */
import { createHash } from 'node:crypto';

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function md5Hex(s: string, length: number): string {
  return createHash('md5').update(s).digest('hex').slice(0, length);
}

/** Fleet hashes at most this many bytes of a key (internal/names/keyhash.go). */
const KEY_HASH_INPUT_LIMIT = 100;

/**
 * Fleet's KeyHash: the first 12 hex characters of a sha256 of the input's first 100 bytes (docs/fleet/links.md §3.2).
 * The cut matters: two Clusters whose `<namespace>::<name>` agree on the first 100 bytes get the
 * same hash, and a long name hashes differently than a whole-string sha256 would. Go slices bytes,
 * not characters, so the cut is made on the UTF-8 encoding (same in every Fleet version).
 */
export function keyHash(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  const input = bytes.length > KEY_HASH_INPUT_LIMIT ? bytes.subarray(0, KEY_HASH_INPUT_LIMIT) : bytes;
  return createHash('sha256').update(input).digest('hex').slice(0, 12);
}

/**
 * SafeConcatName: joins with `-`; a result of 64 characters or more is cut at 57 (or 56 when the
 * 57th character would not be alphanumeric) and suffixed with a short sha256 so it stays a valid,
 * unique Kubernetes name below 64 characters (docs/fleet/links.md §3.2).
 */
export function safeConcatName(...parts: string[]): string {
  const full = parts.join('-');
  if (full.length < 64) return full;
  const digest = sha256Hex(full);
  const c = full[56]!;
  if (/[a-z0-9]/.test(c)) return `${full.slice(0, 57)}-${digest.slice(0, 5)}`;
  return `${full.slice(0, 56)}-${digest.slice(0, 6)}`;
}

/**
 * The per-cluster namespace holding a Cluster's BundleDeployments, as agent management computes it
 * once and stores in `Cluster.status.namespace` (docs/fleet/links.md §3.2).
 */
export function clusterNamespaceName(clusterNamespace: string, clusterName: string): string {
  return safeConcatName(
    'cluster',
    clusterNamespace,
    clusterName,
    keyHash(`${clusterNamespace}::${clusterName}`),
  );
}

/** Helm's release-name limit, which Fleet also applies to bundle names. */
export const MAX_HELM_RELEASE_NAME_LEN = 53;

/** Cuts `s` to `count` characters, ending in `-` plus 5 hex of its md5 (Fleet's names.Limit). */
export function limitName(s: string, count: number): string {
  if (s.length <= count) return s;
  const hexLen = 5;
  if (count <= hexLen + 1) return s.slice(0, count);
  const keep = count - hexLen - 1;
  const sep = s[keep - 1] === '-' ? '' : '-';
  return `${s.slice(0, keep)}${sep}${md5Hex(s, hexLen)}`;
}

const DISALLOWED = /[^a-zA-Z0-9-]+/g;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Fleet's HelmReleaseName, used to name GitRepo bundles: `/` becomes `-`; when the case changes or
 * characters outside `[a-zA-Z0-9-]` appear, a hash of the input is appended before cleaning so
 * distinct paths cannot collide; the result is lowercased, cleaned and limited to 53 characters.
 */
export function helmReleaseName(input: string): string {
  let s = input.replaceAll('/', '-');
  const needHash = s !== s.toLowerCase() || new RegExp(DISALLOWED.source).test(s);
  if (needHash) s = `${s}-${md5Hex(s, 8)}`;
  s = s.toLowerCase().replace(DISALLOWED, '-').replace(/-+/g, '-').replace(/^-+/, '').replace(/-+$/, '');
  if (DNS_LABEL.test(s)) return limitName(s, MAX_HELM_RELEASE_NAME_LEN);
  return md5Hex(input, 24);
}

/** Cleans a repo path the way Go's filepath.Join does: no `.` segments, no duplicate or edge `/`. */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/** The name `fleet apply` gives the bundle of one GitRepo path: HelmReleaseName(<gitrepo>/<path>). */
export function gitRepoBundleName(gitRepoName: string, path: string): string {
  const clean = cleanPath(path);
  return helmReleaseName(clean === '' ? gitRepoName : `${gitRepoName}/${clean}`);
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The manifest ID of etcd-stored contents: `s-<sha256>` cut to 63 characters (docs/fleet/objects.md §2.5). */
export function manifestId(resources: unknown): string {
  return `s-${sha256Hex(stableJson(resources ?? []))}`.slice(0, 63);
}

/** A deployment ID, `<manifestID>:<sha256 of options>` (docs/fleet/objects.md §2.5). */
export function deploymentId(manifest: string, options: unknown): string {
  return `${manifest}:${sha256Hex(stableJson(options ?? {}))}`;
}

/** A deterministic fake git commit (40 hex) for a simulated repository at a revision. */
export function fakeCommit(repo: string, ref: string, push = 0): string {
  return createHash('sha1').update(`${repo}#${ref}#${push}`).digest('hex');
}
