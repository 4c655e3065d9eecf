import { describe, expect, it } from 'vitest';
import type { Bundle, HelmOp } from '../../apis/fleet.js';
import { bundleForHelmOp, validateHelmOp } from './helmop.js';

const helmOp = (spec: HelmOp['spec'], labels?: Record<string, string>): HelmOp => ({
  metadata: { name: 'mon', namespace: 'fleet-default', labels },
  spec,
});

// Rows name the Fleet rule (helmops/reconciler/helmop_controller.go, v0.13).
describe('HelmOp → Bundle (calculateBundle)', () => {
  it.each<[string, HelmOp, Partial<Bundle['spec']> & Record<string, unknown>, Record<string, string>]>([
    [
      'calculateBundle: no targets become the default target {name: default, clusterGroup: default}',
      helmOp({ helm: { chart: 'mon', repo: 'https://charts.example' } }),
      { targets: [{ name: 'default', clusterGroup: 'default' }] },
      { 'fleet.cattle.io/fleet-helm-name': 'mon' },
    ],
    [
      'calculateBundle: unnamed targets are named target000, target001, … by position',
      helmOp({
        helm: { chart: 'mon', repo: 'https://charts.example' },
        targets: [{ clusterName: 'a' }, { name: 'mine', clusterName: 'b' }, { clusterGroup: 'g' }],
      }),
      {
        targets: [
          { name: 'target000', clusterName: 'a' },
          { name: 'mine', clusterName: 'b' },
          { name: 'target002', clusterGroup: 'g' },
        ],
      },
      { 'fleet.cattle.io/fleet-helm-name': 'mon' },
    ],
    [
      'calculateBundle: Bundle labels are spec.labels plus fleet-helm-name, not the HelmOp metadata labels',
      helmOp({ helm: { chart: 'mon', repo: 'r' }, labels: { team: 'one' } }, { owner: 'x' }),
      {},
      { team: 'one', 'fleet.cattle.io/fleet-helm-name': 'mon' },
    ],
    [
      'propagateHelmOpProperties: a target helm block takes repo/chart/version from spec.helm where empty',
      helmOp({
        helm: { chart: 'mon', repo: 'r', version: '1.2.3' },
        targets: [{ name: 't', clusterName: 'a', helm: { values: { x: 1 }, version: '2.0.0' } }],
      }),
      {
        targets: [
          {
            name: 't',
            clusterName: 'a',
            helm: { values: { x: 1 }, version: '2.0.0', repo: 'r', chart: 'mon' },
          },
        ],
      },
      { 'fleet.cattle.io/fleet-helm-name': 'mon' },
    ],
    [
      'calculateBundle: helmOpOptions carry helmSecretName and insecureSkipTLSVerify; no resources',
      helmOp({
        helm: { chart: 'mon', repo: 'r' },
        helmSecretName: 'creds',
        insecureSkipTLSVerify: true,
        resources: [{ name: 'x', content: 'y' }],
      }),
      {
        helmOpOptions: { helmOpSecretName: 'creds', helmOpInsecureSkipTLSVerify: true },
      },
      { 'fleet.cattle.io/fleet-helm-name': 'mon' },
    ],
  ])('%s', (_rule, h, spec, labels) => {
    const b = bundleForHelmOp(h);
    expect(b.metadata).toEqual({ name: 'mon', namespace: 'fleet-default', labels });
    expect(b.spec).toMatchObject(spec);
    expect(b.spec.resources).toBeUndefined();
    expect(b.spec).toHaveProperty('helmOpOptions');
  });
});

describe('HelmOp validation (validate)', () => {
  it.each<[string, Record<string, unknown> | undefined, string | undefined]>([
    ['validate: no helm options', undefined, "helm options are empty in the HelmOp's spec"],
    ['validate: chart and repo', { chart: 'c', repo: 'https://r' }, undefined],
    [
      'validate: a .tgz chart with a repo',
      { chart: 'c.TGZ', repo: 'r' },
      'helm options invalid: tarball chart with a non-empty repo field',
    ],
    [
      'validate: a .tgz chart with a version',
      { chart: 'c.tgz', version: '1' },
      'helm options invalid: tarball chart with a non-empty version field',
    ],
    [
      'validate: an oci:// repo with a chart',
      { chart: 'c', repo: 'OCI://r/c' },
      'helm options invalid: OCI repository with a non-empty chart field',
    ],
    ['validate: an oci:// repo alone', { repo: 'oci://r/c' }, undefined],
    [
      'validate: a repo without chart',
      { repo: 'https://r' },
      'helm options invalid: non-OCI repository with an empty chart field',
    ],
    [
      'validate: a chart without repo',
      { chart: 'c' },
      'helm options invalid: non-tarball chart with an empty repo field',
    ],
  ])('%s', (_rule, helm, want) => {
    expect(validateHelmOp(helmOp(helm ? { helm } : {}))).toBe(want);
  });
});
