import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/clock.js';
import {
  aBundle,
  aCluster,
  aDeployment,
  aGitRepo,
  aHelmOp,
  snapshotOf,
} from '../../../../test/support/fleet-builders.js';
import { ConsistencyTracker } from '../live/tracker.js';
import { allFindings } from './consistency.js';
import { FleetView } from './view.js';
import { BUNDLE_OWNER_KINDS, bundleOwner, isBundleOwnerKind, ownersOf } from './bundle-owner.js';

// A GitRepo and a HelmOp with the same name in the same namespace, each with a Bundle and a BD:
// routing by kind is the only thing that tells them apart.
const prod = aCluster({ name: 'prod', labels: { env: 'prod' } });
// Both report no deployments while each has one: both statuses disagree with their BDs.
const none = { readyClusters: 0, desiredReadyClusters: 0, summary: { ready: 0, desiredReady: 0 } };
const repo = aGitRepo({ name: 'app', status: none });
const op = aHelmOp({ name: 'app', status: none });
const repoBundle = aBundle({ name: 'app-from-git', repoName: 'app', targets: [{ clusterSelector: {} }] });
const opBundle = aBundle({ name: 'app-from-helm', helmOpName: 'app', targets: [{ clusterSelector: {} }] });
const repoBd = aDeployment({ bundle: repoBundle, cluster: prod, repoName: 'app' });
const opBd = aDeployment({ bundle: opBundle, cluster: prod });
const snap = snapshotOf([prod, repo, op, repoBundle, opBundle, repoBd, opBd]);

describe('Bundle owners (docs/fleet/links.md §3.1)', () => {
  it('knows the kinds that own Bundles, and each finds its own records only', () => {
    expect(BUNDLE_OWNER_KINDS).toEqual(['GitRepo', 'HelmOp']);
    const routed = BUNDLE_OWNER_KINDS.map((kind) => {
      const owner = bundleOwner(kind);
      return [
        kind,
        owner.get(snap, 'fleet-default', 'app')?.kind,
        owner.bundles(snap, 'fleet-default', 'app').map((b) => b.name),
        owner.deployments(snap, 'fleet-default', 'app').map((bd) => bd.bundleName),
      ];
    });
    expect(routed).toEqual([
      ['GitRepo', 'GitRepo', ['app-from-git'], ['app-from-git']],
      ['HelmOp', 'HelmOp', ['app-from-helm'], ['app-from-helm']],
    ]);
  });

  it('reads the owners a Bundle or a BundleDeployment names in its labels', () => {
    const names = (r: typeof repoBd | typeof repoBundle) =>
      ownersOf(r).map((o) => `${o.owner.kind}:${o.namespace}/${o.name}`);
    expect(names(repoBd)).toEqual(['GitRepo:fleet-default/app']);
    expect(names(opBundle)).toEqual(['HelmOp:fleet-default/app']);
  });

  it('refuses a kind that owns no Bundles instead of routing it to another kind', () => {
    for (const kind of ['OCIRepo', 'Cluster', 'gitrepo', 'constructor', ''])
      expect(() => bundleOwner(kind), kind).toThrow(/is not a kind that owns Bundles/);
    expect(isBundleOwnerKind('HelmOp')).toBe(true);
    expect(isBundleOwnerKind('toString')).toBe(false);
  });

  it('the tracker keeps the status findings of same-named owners apart', () => {
    const tracker = new ConsistencyTracker({ clock: new ManualClock(0) });
    tracker.update(snap);
    const ids = tracker.current().map((f) => f.id);
    expect(ids).toEqual(allFindings(new FleetView(snap)).map((f) => f.id));
    const owners = ids.filter((id) => id.startsWith('mismatch:')).map((id) => id.split(':')[1]);
    expect([...new Set(owners)]).toEqual(['GitRepo', 'HelmOp']);
  });
});
