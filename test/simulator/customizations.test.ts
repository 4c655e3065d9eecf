/**
 * What the bundle reconciler writes for target customizations, through the emulator's API:
 * options merged as options.Merge does (calculate.go), every target's namespace labels unioned
 * (target.go), Helm values templated per cluster (builder.go preprocessHelmValues), and a template
 * failure on any cluster turning the whole Bundle into a targeting error with no BD written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bundle, BundleDeployment, Cluster } from '../../src/apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTERS } from '../../src/apis/gvr.js';
import { startTestFleet, type TestFleet } from './harness.js';

const WS = 'fleet-default';
let t: TestFleet | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** A fleet.yaml-made Bundle: one customization (from fleet.yaml) before the GitRepo's target. */
const bundle = (values: Record<string, unknown>): Bundle => ({
  metadata: { name: 'app', namespace: WS },
  spec: {
    resources: [{ name: 'cm.yaml', content: 'kind: ConfigMap' }],
    yaml: { overlays: ['base'] },
    helm: { values: { base: true } },
    targets: [
      {
        name: 'dev',
        clusterSelector: { matchLabels: { env: 'dev' } },
        yaml: { overlays: ['dev'] },
        namespaceLabels: { team: 'dev' },
        helm: { values },
      },
      { name: 'all', clusterSelector: {}, namespaceAnnotations: { owner: 'ops' } },
    ],
    targetRestrictions: [{ name: 'all', clusterSelector: {} }],
  },
});

async function start(values: Record<string, unknown>) {
  const f = await startTestFleet();
  t = f;
  await f.create<Cluster>(CLUSTERS, {
    metadata: { name: 'us-1', namespace: WS, labels: { env: 'dev' } },
    spec: { templateValues: { replicas: 3 } },
  });
  await f.create(BUNDLES, bundle(values));
  return f;
}

describe('target customizations as the bundle reconciler writes them', () => {
  it('merges, unions namespace metadata and templates values per cluster', async () => {
    const f = await start({ env: '${ .ClusterLabels.env }', replicas: '${ .ClusterValues.replicas }' });
    const options = async () => (await f.list<BundleDeployment>(BUNDLE_DEPLOYMENTS))[0]?.spec?.options;
    await f.settle(async () => (await options()) !== undefined, true);
    expect(await options()).toEqual({
      yaml: { overlays: ['base', 'dev'] },
      helm: { values: { base: true, env: 'dev', replicas: 3 } },
      namespaceLabels: { team: 'dev' },
      namespaceAnnotations: { owner: 'ops' },
    });
  });

  it('a missing key on any cluster makes the whole Bundle a targeting error', async () => {
    const f = await start({ env: '${ .ClusterLabels.missing }' });
    await f.settle(
      async () =>
        (await f.get<Bundle>(BUNDLES, WS, 'app'))?.status?.conditions?.find((c) => c.type === 'Ready')
          ?.message ?? '',
      'targeting error: cluster us-1 in namespace fleet-default: failed to render helm values template: ' +
        'template: values:2: executing "values" at <.ClusterLabels.missing>: map has no entry for key "missing"',
    );
    expect(await f.list(BUNDLE_DEPLOYMENTS)).toEqual([]);
  });
});
