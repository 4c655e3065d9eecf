/**
 * Two independent readings of Fleet's targeting rules (docs/fleet/targeting.md §4) must agree: the gateway's
 * (fleet/, over records the real store builds) and the simulated Fleet's (simulator/controller,
 * over raw objects). Seeded random fleets; every mismatch prints the seed and the case.
 */
import { describe, expect, it } from 'vitest';
import type { BundleTarget, TargetCriteria } from '../../src/apis/fleet.js';
import type { KubeObject } from '../../src/apis/kube.js';
import type { LabelSelector } from '../../src/apis/selector.js';
import { FleetView } from '../../src/gateway/fleet/index.js';
import { createStore } from '../../src/gateway/store/store.js';
import type { WatchKind } from '../../src/gateway/kube/types.js';
import { ManualClock } from '../../src/shared/clock.js';
import { TargetingError, computeTargets } from '../../src/simulator/controller/targeting.js';
import { prngInt as prng } from '../support/prng.js';

const WORKSPACES = ['fleet-default', 'team-b'];
const ENVS = ['prod', 'dev', 'qa'];
const REGIONS = ['eu', 'us'];

function randomFleet(seed: number) {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[r(xs.length)]!;
  const labelsOf = () => {
    const l: Record<string, string> = {};
    if (r(4)) l.env = pick(ENVS);
    if (r(3)) l.region = pick(REGIONS);
    return l;
  };
  const selector = (): LabelSelector | null | undefined => {
    switch (r(9)) {
      case 0:
        return undefined;
      case 1:
        return null;
      case 2:
        return {};
      case 3:
        return { matchLabels: { env: pick(ENVS) } };
      case 4:
        return { matchExpressions: [{ key: 'region', operator: 'In', values: [pick(REGIONS)] }] };
      case 5:
        return { matchExpressions: [{ key: 'env', operator: 'NotIn', values: [pick(ENVS)] }] };
      case 6:
        return {
          matchExpressions: [
            { key: pick(['env', 'region', 'tier']), operator: pick(['Exists', 'DoesNotExist']) },
          ],
        };
      case 7:
        return {
          matchLabels: { region: pick(REGIONS) },
          matchExpressions: [{ key: 'env', operator: 'Exists' }],
        };
      default:
        // Rarely invalid: the whole bundle then has a targeting error (docs/fleet/targeting.md §4.3).
        return r(6) === 0
          ? { matchExpressions: [{ key: 'env', operator: 'Bogus' }] }
          : { matchLabels: { tier: 'gold' } };
    }
  };
  const objects: { kind: WatchKind; obj: KubeObject }[] = [];
  const add = (kind: WatchKind, obj: object) => objects.push({ kind, obj: obj as KubeObject });
  const meta = (name: string, namespace: string | undefined, labels: Record<string, string> = {}) => ({
    name,
    ...(namespace ? { namespace } : {}),
    uid: `${namespace}-${name}`,
    resourceVersion: '1',
    labels,
  });
  for (const ns of WORKSPACES)
    add('Namespace', {
      kind: 'Namespace',
      metadata: meta(ns, undefined, { 'kubernetes.io/metadata.name': ns, shared: r(2) ? 'yes' : 'no' }),
    });
  const clusterNames: string[] = [];
  for (let i = 0; i < 6 + r(6); i++) {
    const ns = r(4) ? WORKSPACES[0]! : WORKSPACES[1]!;
    const name = `c${i}`;
    clusterNames.push(name);
    const labels = labelsOf();
    if (!r(5)) labels['management.cattle.io/cluster-display-name'] = `display-${i}`;
    add('Cluster', {
      kind: 'Cluster',
      metadata: meta(name, ns, labels),
      spec: {},
      status: { namespace: `cluster-${ns}-${name}` },
    });
  }
  const groupNames = ['g-a', 'g-b', 'g-c'];
  for (const g of groupNames) {
    for (const ns of WORKSPACES) {
      if (r(2))
        add('ClusterGroup', {
          kind: 'ClusterGroup',
          metadata: meta(g, ns, r(2) ? { tier: 'gold' } : {}),
          spec: { selector: selector() ?? null },
        });
    }
  }
  if (r(2)) {
    add('BundleNamespaceMapping', {
      kind: 'BundleNamespaceMapping',
      metadata: meta('m', WORKSPACES[0]),
      bundleSelector: r(3) ? { matchLabels: { team: 'one' } } : null,
      namespaceSelector: r(2)
        ? { matchLabels: { shared: 'yes' } }
        : { matchLabels: { 'kubernetes.io/metadata.name': WORKSPACES[1]! } },
    });
  }
  const criteria = (): TargetCriteria => {
    const t: TargetCriteria = {};
    if (!r(4)) t.clusterName = r(3) ? pick(clusterNames) : `display-${r(8)}`;
    if (!r(3)) t.clusterGroup = pick(groupNames);
    const cs = selector();
    if (cs !== undefined) t.clusterSelector = cs;
    if (!r(4)) t.clusterGroupSelector = r(2) ? { matchLabels: { tier: 'gold' } } : {};
    return t;
  };
  const targets: BundleTarget[] = [];
  const customizations = r(3) === 0 ? r(3) : 0;
  for (let i = 0; i < customizations; i++)
    targets.push({ ...criteria(), name: `custom${i}`, doNotDeploy: !r(3) });
  const gitTargets = Array.from({ length: r(4) }, (_, i) => ({ ...criteria(), name: `t${i}` }));
  const deployTargets: BundleTarget[] = gitTargets.map((t) => (!r(8) ? { ...t, doNotDeploy: true } : t));
  targets.push(...deployTargets);
  const restrictions = r(4) ? gitTargets : r(2) ? [criteria()] : [];
  add('Bundle', {
    kind: 'Bundle',
    metadata: meta('b', WORKSPACES[0], r(2) ? { team: 'one' } : {}),
    spec: {
      targets,
      targetRestrictions: restrictions,
      targetCustomizationMode: r(3) ? 'FirstMatch' : 'AllMatches',
    },
  });
  return objects;
}

function gatewayAnswer(objects: { kind: WatchKind; obj: KubeObject }[]) {
  const store = createStore({ clock: new ManualClock() });
  for (const { kind, obj } of objects) store.apply(kind, 'ADDED', obj, { viaRelist: false });
  const view = new FleetView(store.snapshot());
  const bundle = view.snapshot.get('Bundle', 'fleet-default/b')!;
  if (view.targetingError(bundle)) return 'targeting error';
  return view
    .targetedClusters(bundle)
    .map(
      (t) =>
        `${t.cluster.namespace}/${t.cluster.name} via ${t.match.targetName ?? ''} in ${t.match.clusterGroup ?? ''}`,
    );
}

function simulatorAnswer(objects: { kind: WatchKind; obj: KubeObject }[]) {
  const of = (kind: WatchKind) =>
    objects
      .filter((o) => o.kind === kind)
      .map((o) => o.obj)
      .sort((a, b) =>
        `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
          `${b.metadata.namespace}/${b.metadata.name}`,
        ),
      );
  const bundle = of('Bundle')[0] as unknown as { spec: { targets: BundleTarget[] } };
  // The simulator reports the group pass Fleet was in when the target matched (docs/fleet/targeting.md §4.4); the gateway
  // names a group only when the target has a group criterion, since only then did it take part.
  const groupOf = (targetName: string, pass: string) => {
    const t = bundle.spec.targets.find((x) => x.name === targetName);
    return t && (t.clusterGroup || (t.clusterGroupSelector !== undefined && t.clusterGroupSelector !== null))
      ? pass
      : '';
  };
  try {
    return computeTargets({
      bundle: of('Bundle')[0] as never,
      clusters: of('Cluster') as never,
      clusterGroups: of('ClusterGroup') as never,
      mappings: of('BundleNamespaceMapping'),
      namespaces: of('Namespace'),
    }).map(
      (m) =>
        `${m.cluster.metadata.namespace}/${m.cluster.metadata.name} via ${m.targetName} in ${groupOf(m.targetName, m.groupName)}`,
    );
  } catch (e) {
    if (e instanceof TargetingError) return 'targeting error';
    throw e;
  }
}

describe('gateway targeting agrees with the simulated Fleet (docs/fleet/targeting.md §4)', () => {
  it('on 300 seeded random fleets', () => {
    let nonEmpty = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const objects = randomFleet(seed);
      const gw = gatewayAnswer(objects);
      const sim = simulatorAnswer(objects);
      if (Array.isArray(gw) && gw.length > 0) nonEmpty++;
      expect({ seed, gw }).toEqual({ seed, gw: sim });
    }
    // The generator must exercise real matches, not only empty answers.
    expect(nonEmpty).toBeGreaterThan(60);
  });
});
