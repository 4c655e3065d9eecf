/**
 * The targeting table of docs/fleet/targeting.md §4 run end to end: each row gets its own pair of
 * workspaces, its clusters, groups, mappings and a Bundle, created through the emulator's API; the
 * simulated bundle controller then creates BundleDeployments for exactly the expected clusters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Cluster, Condition } from '../../src/apis/fleet.js';
import {
  BUNDLE_DEPLOYMENTS,
  BUNDLE_NAMESPACE_MAPPINGS,
  BUNDLES,
  CLUSTER_GROUPS,
  CLUSTERS,
  NAMESPACES,
} from '../../src/apis/gvr.js';
import type { LabelSelector } from '../../src/apis/selector.js';
import { startTestFleet, type TestFleet } from './harness.js';
import { TARGETING_CASES, type TargetingCase } from './targeting-cases.js';

let t: TestFleet;
const nsOf = (i: number) => ({ ws: `tg${i}`, other: `tg${i}-other` });

/** Keeps a row's mappings inside its own two namespaces, so rows cannot see each other. */
function confine(sel: LabelSelector | null, i: number): LabelSelector | null {
  if (!sel) return sel;
  const { ws, other } = nsOf(i);
  return {
    ...sel,
    matchExpressions: [
      ...(sel.matchExpressions ?? []),
      { key: 'kubernetes.io/metadata.name', operator: 'In', values: [ws, other] },
    ],
  };
}

async function seedRow(c: TargetingCase, i: number): Promise<void> {
  const ns = nsOf(i);
  await t.create(NAMESPACES, { metadata: { name: ns.ws } });
  await t.create(NAMESPACES, { metadata: { name: ns.other, labels: c.otherNamespaceLabels ?? {} } });
  for (const cl of c.clusters)
    await t.create<Cluster>(CLUSTERS, {
      metadata: { name: cl.name, namespace: ns[cl.namespace ?? 'ws'], labels: cl.labels ?? {} },
      spec: {},
    });
  for (const g of c.groups ?? [])
    await t.create(CLUSTER_GROUPS, {
      metadata: { name: g.name, namespace: ns[g.namespace ?? 'ws'], labels: g.labels ?? {} },
      spec: { selector: g.selector },
    });
  for (const m of c.mappings ?? [])
    await t.create(BUNDLE_NAMESPACE_MAPPINGS, {
      metadata: { name: m.name, namespace: ns[m.namespace ?? 'ws'] },
      bundleSelector: m.bundleSelector,
      namespaceSelector: confine(m.namespaceSelector, i),
    });
  await t.create<Bundle>(BUNDLES, {
    metadata: { name: 'b', namespace: ns.ws, labels: c.bundleLabels ?? {} },
    spec: {
      resources: [{ name: 'cm.yaml', content: `row ${i}` }],
      targets: c.targets,
      ...(c.restrictions ? { targetRestrictions: c.restrictions } : {}),
      ...(c.mode ? { targetCustomizationMode: c.mode } : {}),
    },
  });
}

beforeAll(async () => {
  t = await startTestFleet();
  for (const [i, c] of TARGETING_CASES.entries()) await seedRow(c, i);
  // Every cluster has its namespace before rows are judged.
  const total = TARGETING_CASES.reduce((n, c) => n + c.clusters.length, 0);
  await t.settle(
    async () => (await t.list<Cluster>(CLUSTERS)).filter((c) => c.status?.namespace).length,
    total,
  );
}, 30_000);
afterAll(async () => {
  await t.stop();
});

describe('targeting through the API: one row per rule of docs/fleet/targeting.md §4', () => {
  it.each(TARGETING_CASES.map((c, i) => [c.rule, c, i] as const))('%s', async (_rule, c, i) => {
    const ns = nsOf(i);
    const sel = `fleet.cattle.io/bundle-name=b,fleet.cattle.io/bundle-namespace=${ns.ws}`;
    const clustersWithBD = async () =>
      (await t.list(BUNDLE_DEPLOYMENTS, sel))
        .map((bd) => {
          const l = bd.metadata.labels ?? {};
          return l['fleet.cattle.io/cluster-namespace'] === ns.ws
            ? l['fleet.cattle.io/cluster']!
            : `other/${l['fleet.cattle.io/cluster']}`;
        })
        .sort();
    if (c.expect === 'error') {
      await t.settle(async () => {
        const ready = (await t.get<Bundle>(BUNDLES, ns.ws, 'b'))?.status?.conditions?.find(
          (x: Condition) => x.type === 'Ready',
        );
        return ready?.status === 'False' && (ready.message ?? '').startsWith('targeting error');
      }, true);
      expect(await clustersWithBD()).toEqual([]);
      return;
    }
    const want = [...c.expect].sort();
    await t.settle(
      async () => (await t.get<Bundle>(BUNDLES, ns.ws, 'b'))?.status?.summary?.desiredReady ?? -1,
      want.length,
    );
    await t.settle(clustersWithBD, want);
    for (const [name, dn] of Object.entries(c.expectNamespace ?? {})) {
      const bd = (await t.list(BUNDLE_DEPLOYMENTS, `${sel},fleet.cattle.io/cluster=${name}`))[0] as {
        spec?: { options?: { defaultNamespace?: string } };
      };
      expect(bd.spec?.options?.defaultNamespace ?? '').toBe(dn);
    }
  });
});
