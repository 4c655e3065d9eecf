/**
 * The gateway's reading of Helm values templating (target/builder.go preprocessHelmValues with
 * options.Merge): one row per Fleet rule, judged through FleetView as a user reads it
 * (`Bundle.targetingError`, `targetedClusters`).
 */
import { describe, expect, it } from 'vitest';
import type { BundleTarget } from '../../../apis/fleet.js';
import type { BundleRecord, ClusterRecord, HelmTemplating } from '../../store/records.js';
import { aBundle, aCluster, snapshotOf } from '../../../../test/support/fleet-builders.js';
import { FleetView } from './view.js';

const WS = 'fleet-default';

const cluster: ClusterRecord = {
  ...aCluster({ name: 'c1', namespace: WS, labels: { env: 'dev', 'fleet.cattle.io/zone': 'z1' } }),
  annotations: { owner: 'ops' },
  templateValues: { replicas: 3, nested: { tier: 'gold' } },
};
const bare: ClusterRecord = aCluster({ name: 'bare', namespace: WS, labels: {} });

function bundle(opts: {
  helm?: HelmTemplating;
  targets?: BundleTarget[];
  restrictions?: number;
  mode?: 'FirstMatch' | 'AllMatches';
}): BundleRecord {
  const targets = opts.targets ?? [{ name: 'all', clusterSelector: {} }];
  return {
    ...aBundle({
      name: 'app',
      namespace: WS,
      targets,
      targetRestrictions: targets.slice(targets.length - (opts.restrictions ?? 0)),
      targetCustomizationMode: opts.mode ?? 'FirstMatch',
    }),
    helmTemplating: opts.helm,
  };
}

const all: BundleTarget = { name: 'all', clusterSelector: {} };

const rows: { rule: string; b: BundleRecord; on?: ClusterRecord; error?: RegExp }[] = [
  {
    rule: 'fields that exist render',
    b: bundle({ helm: { values: { a: '${ .ClusterLabels.env }-${ .ClusterValues.nested.tier }' } } }),
  },
  {
    rule: 'fleet.cattle.io/ labels and annotations are in the context',
    b: bundle({
      helm: {
        values: { a: '${ index .ClusterLabels "fleet.cattle.io/zone" }${ .ClusterAnnotations.owner }' },
      },
    }),
  },
  {
    rule: 'missingkey=error on a label fails the whole Bundle',
    b: bundle({ helm: { values: { a: '${ .ClusterLabels.region }' } } }),
    error:
      /^targeting error: cluster c1 in namespace fleet-default: failed to render helm values template: .*no entry for key "region"/,
  },
  {
    rule: 'an unknown function fails at parse time',
    b: bundle({ helm: { values: { a: '${ nope }' } } }),
    error: /failed to parse helm values template: .*function "nope" not defined/,
  },
  {
    rule: 'disablePreProcess leaves the template alone',
    b: bundle({ helm: { disablePreProcess: true, values: { a: '${ .ClusterLabels.region }' } } }),
  },
  {
    rule: 'a cluster without usable labels is not templated',
    b: bundle({ helm: { values: { a: '${ .ClusterLabels.region }' } } }),
    on: bare,
  },
  {
    rule: 'a customization’s values are merged over the bundle’s (FirstMatch)',
    b: bundle({
      helm: { values: { a: 'ok' } },
      targets: [
        {
          name: 'dev',
          clusterSelector: { matchLabels: { env: 'dev' } },
          helm: { values: { b: '${ .ClusterValues.missing }' } },
        },
        all,
      ],
      restrictions: 1,
    }),
    error: /no entry for key "missing"/,
  },
  {
    rule: 'a customization’s disablePreProcess is ORed in (AllMatches)',
    b: bundle({
      helm: { values: { a: '${ .ClusterValues.missing }' } },
      targets: [
        { name: 'dev', clusterSelector: { matchLabels: { env: 'dev' } } },
        { name: 'off', clusterSelector: {}, helm: { disablePreProcess: true } },
        all,
      ],
      restrictions: 1,
      mode: 'AllMatches',
    }),
  },
  {
    rule: 'a doNotDeploy customization skips the cluster: it is not templated',
    b: bundle({
      helm: { values: { a: '${ .ClusterValues.missing }' } },
      targets: [{ name: 'skip', clusterSelector: {}, doNotDeploy: true }, all],
      restrictions: 1,
    }),
  },
  {
    rule: 'templateValues entries render and must read back as YAML',
    b: bundle({ helm: { templateValues: { a: '${ .ClusterName }: [' } } }),
    error: /failed to interpret rendered template as helm values/,
  },
];

describe('Helm values templating (builder.go preprocessHelmValues)', () => {
  it.each(rows)('$rule', ({ b, on, error }) => {
    const view = new FleetView(snapshotOf([on ?? cluster, b]));
    const err = view.targetingError(b);
    if (error) {
      expect(err?.message).toMatch(error);
      expect(view.targetedClusters(b)).toEqual([]);
    } else {
      expect(err).toBeUndefined();
      expect(view.targetedClusters(b).length).toBe(b.targets.at(0)?.doNotDeploy ? 0 : 1);
    }
  });
});
