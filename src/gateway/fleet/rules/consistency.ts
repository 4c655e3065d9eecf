/**
 * Consistency findings: what Fleet's own status does not show.
 *
 * - STALE_DEPLOYMENT: a BundleDeployment whose Bundle's current targets no longer select its
 *   cluster, or whose Bundle is gone or being deleted. Before v0.12.3 only the Cluster reconciler
 *   deleted these, so they lingered until a Cluster event (docs/fleet/lifecycle.md §6.3, rancher/fleet#3437).
 * - MISSING_DEPLOYMENT: a targeted cluster with `status.namespace` set but no BD; the reason names
 *   what the Bundle status shows held it back (missing-deployment.ts), short-lived ones are normal.
 * - STATUS_MISMATCH: a GitRepo or HelmOp status number that disagrees with the same number
 *   recomputed from the BDs that exist (docs/fleet/state.md §5.4). Status trails BDs by about 3 s (docs/fleet/operations.md §8.3), so consumers
 *   judge by age (`firstSeenAt`), which the ConsistencyTracker keeps.
 *
 * Ids are stable while a finding persists, so its age can be tracked across snapshots.
 */
import type {
  BundleDeploymentRecord,
  BundleRecord,
  ClusterRecord,
  GitRepoRecord,
  HelmOpRecord,
} from '../../store/records.js';
import type { Inconsistency, RemovalReason } from './read-model.js';
import { bundleOwner } from './bundle-owner.js';
import { missingDeploymentCause } from './missing-deployment.js';
import { statusFromDeployments } from './summaries.js';
import { stillTargeted, type TargetingVerdict } from './still-targeted.js';
import type { FleetView } from './view.js';

/** A finding before the tracker stamps it with the time it was first seen. */
export type Finding = Omit<Inconsistency, 'firstSeenAt'>;

const ref = (r: { namespace: string; name: string }) => ({ namespace: r.namespace, name: r.name });

export const staleId = (bd: BundleDeploymentRecord) => `stale:${bd.namespace}/${bd.name}`;
export const missingId = (bundle: BundleRecord, cluster: ClusterRecord) =>
  `missing:${bundle.namespace}/${bundle.name}@${cluster.namespace}/${cluster.name}`;
export const mismatchId = (kind: string, key: string, field: string) => `mismatch:${kind}:${key}:${field}`;

function terminating(bd: BundleDeploymentRecord): string {
  if (bd.deletionTimestamp) return ' It is already terminating (deleted at ' + bd.deletionTimestamp + ').';
  if (bd.offSchedule)
    return ' It is off schedule, and Fleet spares off-schedule deployments from orphan cleanup (docs/fleet/rollout.md §7.2).';
  return '';
}

/**
 * Why a BD is, or should be, removed (docs/fleet/lifecycle.md §6): `UNKNOWN` while it is still
 * targeted, else the reason of rules/still-targeted.ts. Evaluated on the snapshot at hand: for a
 * BD that was just deleted, pass its last record and the snapshot after the deletion.
 */
export function removalReason(view: FleetView, bd: BundleDeploymentRecord): RemovalReason {
  return stillTargeted(view, bd).reason;
}

function staleFinding(
  bd: BundleDeploymentRecord,
  why: string,
  cluster: ClusterRecord | undefined,
  cause: RemovalReason,
): Finding {
  return {
    id: staleId(bd),
    kind: 'STALE_DEPLOYMENT',
    cause,
    workspace: bd.bundleNamespace,
    gitRepo: bd.repoName ? { namespace: bd.bundleNamespace, name: bd.repoName } : undefined,
    bundle: { namespace: bd.bundleNamespace, name: bd.bundleName },
    cluster: cluster ? ref(cluster) : { namespace: bd.clusterNamespace, name: bd.clusterName },
    bundleDeployment: ref(bd),
    reason: `BundleDeployment ${bd.namespace}/${bd.name} exists but ${why}.${terminating(bd)}`,
  };
}

/** Why a Bundle's targets leave out a cluster: not a candidate namespace (docs/fleet/targeting.md §4.2), or the match reason. */
function notTargetedBecause(view: FleetView, bundle: BundleRecord, cluster: ClusterRecord): string {
  if (!view.isCandidate(bundle, cluster)) {
    return `namespace ${cluster.namespace} is not the Bundle's own and no BundleNamespaceMapping exports the Bundle there`;
  }
  const m = view.match(bundle, cluster);
  if (m.matched) {
    return `the cluster's status.namespace is ${cluster.clusterNamespace ?? 'not set'}, not this deployment's namespace`;
  }
  return m.reason.replace(/\.$/, '');
}

/** Why a doomed BD should be gone, in words (docs/fleet/lifecycle.md §6.4). */
function doomedBecause(view: FleetView, bd: BundleDeploymentRecord, v: TargetingVerdict): string {
  const name = `Bundle ${bd.bundleNamespace}/${bd.bundleName}`;
  const { bundle, cluster } = v;
  switch (v.reason) {
    case 'GITREPO_DELETED':
    case 'BUNDLE_DELETED': {
      const state = bundle ? 'is being deleted' : 'no longer exists';
      const via =
        v.reason === 'GITREPO_DELETED'
          ? ` (its GitRepo ${bd.bundleNamespace}/${bd.repoName ?? ''} is gone or being deleted)`
          : '';
      return `its ${name} ${state}${via}`;
    }
    case 'CLUSTER_DELETED':
      return cluster
        ? `its cluster ${cluster.namespace}/${cluster.name} is being deleted`
        : `its cluster ${bd.clusterNamespace}/${bd.clusterName} no longer exists`;
    default:
      return bundle && cluster
        ? `${name}'s current targets no longer select cluster ${cluster.namespace}/${cluster.name} (${notTargetedBecause(view, bundle, cluster)})`
        : `${name}'s current targets no longer select its cluster`;
  }
}

/**
 * Findings about one Bundle key (which may name a Bundle that no longer exists): its stale
 * deployments (those rules/still-targeted.ts dooms) and its missing ones. A Bundle with a
 * targeting error has no missing deployments: Fleet then neither creates nor deletes its BDs
 * (docs/fleet/targeting.md §4.3), and its Ready condition already reports the error.
 */
export function bundleFindings(view: FleetView, bundleNamespace: string, bundleName: string): Finding[] {
  const snap = view.snapshot;
  const findings: Finding[] = [];
  for (const bd of snap.deploymentsOfBundle(bundleNamespace, bundleName)) {
    const v = stillTargeted(view, bd);
    if (!v.targeted) findings.push(staleFinding(bd, doomedBecause(view, bd, v), v.cluster, v.reason));
  }
  const bundle = snap.get('Bundle', `${bundleNamespace}/${bundleName}`);
  if (!bundle || bundle.deletionTimestamp || view.targetingError(bundle)) return findings;
  const name = `Bundle ${bundleNamespace}/${bundleName}`;
  const targeted = view.targetedClusters(bundle);
  for (const t of targeted) {
    if (t.bundleDeployment || !t.cluster.clusterNamespace) continue;
    findings.push({
      id: missingId(bundle, t.cluster),
      kind: 'MISSING_DEPLOYMENT',
      workspace: bundle.namespace,
      gitRepo: bundle.repoName ? { namespace: bundle.namespace, name: bundle.repoName } : undefined,
      bundle: ref(bundle),
      cluster: ref(t.cluster),
      reason:
        `${name} targets cluster ${t.cluster.namespace}/${t.cluster.name} (${t.match.reason.replace(/\.$/, '')}) but no BundleDeployment exists in ${t.cluster.clusterNamespace}: ` +
        `${missingDeploymentCause(bundle)} (docs/fleet/targeting.md §4.6).`,
    });
  }
  return findings;
}

/** The docs/fleet/state.md §5.4 fields compared, with how to read each from the reported and recomputed status. */
const COMPARED: readonly {
  field: string;
  reported: (r: GitRepoRecord | HelmOpRecord) => string | undefined;
  actual: (s: ReturnType<typeof statusFromDeployments>) => string;
}[] = [
  {
    field: 'summary.desiredReady',
    reported: (r) => String(r.status.summary?.desiredReady ?? 0),
    actual: (s) => String(s.summary.desiredReady),
  },
  {
    field: 'summary.ready',
    reported: (r) => String(r.status.summary?.ready ?? 0),
    actual: (s) => String(s.summary.ready),
  },
  {
    field: 'readyClusters',
    reported: (r) => String(r.status.readyClusters),
    actual: (s) => String(s.readyClusters),
  },
  {
    field: 'desiredReadyClusters',
    reported: (r) => String(r.status.desiredReadyClusters),
    actual: (s) => String(s.desiredReadyClusters),
  },
  // An absent display string has not been written yet; the numbers above cover that case.
  {
    field: 'display.readyBundleDeployments',
    reported: (r) => r.status.display.readyBundleDeployments,
    actual: (s) => s.display.readyBundleDeployments,
  },
];

/** STATUS_MISMATCH findings for one GitRepo or HelmOp (docs/fleet/state.md §5.4 numbers vs what Fleet reported). */
export function statusFindings(view: FleetView, owner: GitRepoRecord | HelmOpRecord): Finding[] {
  const snap = view.snapshot;
  const isRepo = owner.kind === 'GitRepo';
  const bds = bundleOwner(owner.kind).deployments(snap, owner.namespace, owner.name);
  // Only a GitRepo's display state can be overridden by its gitjob (docs/fleet/state.md §5.4).
  const actual = statusFromDeployments(bds, isRepo ? owner.status : undefined);
  const findings: Finding[] = [];
  for (const c of COMPARED) {
    const reported = c.reported(owner);
    const now = c.actual(actual);
    if (reported === undefined || reported === now) continue;
    findings.push({
      id: mismatchId(owner.kind, owner.key, c.field),
      kind: 'STATUS_MISMATCH',
      workspace: owner.namespace,
      gitRepo: isRepo ? ref(owner) : undefined,
      field: c.field,
      reported,
      actual: now,
      reason: `${owner.kind} ${owner.key} reports status.${c.field} = ${reported}, but the ${bds.length} BundleDeployment(s) that exist give ${now} (Fleet's status trails deployments by about 3 s).`,
    });
  }
  return findings;
}

/** Every finding in the snapshot, sorted by id. */
export function allFindings(view: FleetView): Finding[] {
  const snap = view.snapshot;
  const bundleKeys = new Set<string>(snap.list('Bundle').map((b) => b.key));
  for (const bd of snap.list('BundleDeployment')) bundleKeys.add(`${bd.bundleNamespace}/${bd.bundleName}`);
  const findings: Finding[] = [];
  for (const key of bundleKeys) {
    const [ns, name] = splitKey(key);
    findings.push(...bundleFindings(view, ns, name));
  }
  for (const r of snap.list('GitRepo')) findings.push(...statusFindings(view, r));
  for (const h of snap.list('HelmOp')) findings.push(...statusFindings(view, h));
  return findings.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}
