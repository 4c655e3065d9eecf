/**
 * The two readings of target customizations must agree (docs/adr/0004): for seeded random
 * Bundles with fleet.yaml-style customizations (options to merge, templated Helm values, some of
 * which fail on missing keys, doNotDeploy, FirstMatch and AllMatches), the gateway's view
 * (targeted clusters and targeting error, over records the real store builds) equals what the
 * simulated Fleet computes (computeTargets, then preprocessHelmValues on each deployed cluster,
 * as the bundle reconciler does). Both directions: a cluster or an error on one side only is a
 * disagreement. 600 cases per run, pure functions, no simulation.
 */
import { describe, expect, it } from 'vitest';
import type { BundleTarget } from '../../src/apis/fleet.js';
import type { KubeObject } from '../../src/apis/kube.js';
import type { WatchKind } from '../../src/gateway/kube/types.js';
import { FleetView } from '../../src/gateway/fleet/index.js';
import { createStore } from '../../src/gateway/store/store.js';
import { ManualClock } from '../../src/shared/clock.js';
import { preprocessHelmValues } from '../../src/simulator/controller/helm-values.js';
import { computeTargets, TargetingError } from '../../src/simulator/controller/targeting.js';
import { prngInt as prng } from '../support/prng.js';

const WS = 'fleet-default';
const CASES = 600;

const TEMPLATES = [
  '${ .ClusterName }',
  '${ .ClusterLabels.env }',
  '${ index .ClusterLabels "region" | default "none" }',
  '${ .ClusterValues.size | upper }',
  '${ .ClusterAnnotations.owner }',
  '${ if hasKey .ClusterValues "size" }${ .ClusterValues.size }${ else }m${ end }',
  '${ range $k, $v := .ClusterLabels }${ $k }=${ $v },${ end }',
  'global.fleet.clusterLabels.env',
  'plain',
];

function randomCase(seed: number) {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[r(xs.length)]!;
  const objects: { kind: WatchKind; obj: KubeObject }[] = [];
  const add = (kind: WatchKind, obj: object) => objects.push({ kind, obj: obj as KubeObject });
  const meta = (name: string, namespace: string, extra: object = {}) => ({
    name,
    namespace,
    uid: `${namespace}-${name}`,
    resourceVersion: '1',
    ...extra,
  });
  for (let i = 0; i < 3 + r(4); i++) {
    const labels: Record<string, string> = {};
    if (r(4)) labels.env = pick(['dev', 'prod']);
    if (r(2)) labels.region = pick(['eu', 'us']);
    if (!r(6)) labels['provisioning.cattle.io/dropped'] = 'x';
    add('Cluster', {
      kind: 'Cluster',
      metadata: meta(`c${i}`, WS, { labels, ...(r(2) ? { annotations: { owner: pick(['a', 'b']) } } : {}) }),
      spec: r(2) ? { templateValues: { size: pick(['s', 'l']) } } : {},
      status: { namespace: `cluster-${WS}-c${i}` },
    });
  }
  const helm = () => {
    const h: Record<string, unknown> = {};
    if (r(3)) h.values = { v: pick(TEMPLATES), n: { k: pick(TEMPLATES) } };
    if (!r(6)) h.templateValues = { t: pick(TEMPLATES) };
    if (!r(8)) h.disablePreProcess = true;
    return h;
  };
  const customization = (i: number): BundleTarget => ({
    name: `custom${i}`,
    clusterSelector: r(3) ? { matchLabels: { env: pick(['dev', 'prod']) } } : {},
    ...(!r(6) ? { doNotDeploy: true } : {}),
    ...(r(2) ? { helm: helm() } : {}),
    ...(!r(3) ? { yaml: { overlays: [pick(['a', 'b'])] } } : {}),
  });
  const gitTargets: BundleTarget[] = [
    r(4)
      ? { name: 'all', clusterSelector: {} }
      : { name: 'eu', clusterSelector: { matchLabels: { region: 'eu' } } },
  ];
  const customizations = Array.from({ length: r(3) }, (_, i) => customization(i));
  add('Bundle', {
    kind: 'Bundle',
    metadata: meta('b', WS, { labels: {} }),
    spec: {
      ...(r(2) ? { helm: helm() } : {}),
      targets: [...customizations, ...gitTargets],
      targetRestrictions: gitTargets,
      targetCustomizationMode: r(3) ? 'FirstMatch' : 'AllMatches',
    },
  });
  return objects;
}

function gatewayAnswer(objects: { kind: WatchKind; obj: KubeObject }[]) {
  const store = createStore({ clock: new ManualClock() });
  for (const { kind, obj } of objects) store.apply(kind, 'ADDED', obj, { viaRelist: false });
  const view = new FleetView(store.snapshot());
  const bundle = view.snapshot.get('Bundle', `${WS}/b`)!;
  if (view.targetingError(bundle)) return 'targeting error';
  return view.targetedClusters(bundle).map((t) => t.cluster.name);
}

function simulatorAnswer(objects: { kind: WatchKind; obj: KubeObject }[]) {
  const of = (kind: WatchKind) => objects.filter((o) => o.kind === kind).map((o) => o.obj);
  try {
    return computeTargets({
      bundle: of('Bundle')[0] as never,
      clusters: of('Cluster') as never,
      clusterGroups: [],
      mappings: [],
      namespaces: [],
    }).map((m) => {
      preprocessHelmValues(m.options, m.cluster);
      return m.cluster.metadata.name ?? '';
    });
  } catch (e) {
    if (e instanceof TargetingError) return 'targeting error';
    throw e;
  }
}

describe('gateway customizations and templating agree with the simulated Fleet', () => {
  it(`on ${CASES} seeded random Bundles`, () => {
    let errors = 0;
    let deployed = 0;
    for (let seed = 1; seed <= CASES; seed++) {
      const objects = randomCase(seed);
      const gw = gatewayAnswer(objects);
      const sim = simulatorAnswer(objects);
      if (gw === 'targeting error') errors++;
      else deployed += gw.length;
      expect({ seed, gw }).toEqual({ seed, gw: sim });
    }
    // Both outcomes are exercised: templating errors and real deployments.
    expect(errors).toBeGreaterThan(CASES / 20);
    expect(deployed).toBeGreaterThan(CASES);
  });
});
