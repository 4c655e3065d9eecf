/**
 * options.Merge (internal/cmd/controller/options/calculate.go, v0.16/current), one row per field
 * rule, and the namespace labels/annotations union of target.go `BundleDeployment`.
 */
import { describe, expect, it } from 'vitest';
import type { Bundle, BundleDeploymentOptions } from '../../apis/fleet.js';
import { withTargetNamespaceMetadata } from './options-merge.js';
// Imported through targeting.ts, the bundle controller's entry point for the merge.
import { mergeOptions } from './targeting.js';

type O = BundleDeploymentOptions & Record<string, unknown>;

const rows: { rule: string; base: O; custom: O; want: O }[] = [
  {
    rule: 'non-empty strings replace; "" keeps the base',
    base: { defaultNamespace: 'a', namespace: 'n', serviceAccount: 'sa' },
    custom: { defaultNamespace: '', namespace: 'm' },
    want: { defaultNamespace: 'a', namespace: 'm', serviceAccount: 'sa' },
  },
  {
    rule: '"-" is copied as is (the clearing branch is unreachable)',
    base: { serviceAccount: 'sa' },
    custom: { serviceAccount: '-' },
    want: { serviceAccount: '-' },
  },
  {
    rule: 'booleans are ORed: false never turns one off',
    base: { keepResources: true, helm: { force: true } },
    custom: { keepResources: false, helm: { force: false, atomic: true } },
    want: { keepResources: true, helm: { force: true, atomic: true } },
  },
  {
    rule: 'deleteNamespace is never merged',
    base: {},
    custom: { deleteNamespace: true },
    want: {},
  },
  {
    rule: 'namespaceLabels and namespaceAnnotations are never merged (target.go unions them later)',
    base: { namespaceLabels: { a: '1' } },
    custom: { namespaceLabels: { b: '2' }, namespaceAnnotations: { c: '3' } },
    want: { namespaceLabels: { a: '1' } },
  },
  {
    rule: 'helm.timeoutSeconds: > 0 replaces, 0 keeps, < 0 resets to 0',
    base: { helm: { timeoutSeconds: 30 } },
    custom: { helm: { timeoutSeconds: -1 } },
    want: { helm: { timeoutSeconds: 0 } },
  },
  {
    rule: 'helm.timeoutSeconds 0 keeps the base',
    base: { helm: { timeoutSeconds: 30 } },
    custom: { helm: { timeoutSeconds: 0 } },
    want: { helm: { timeoutSeconds: 30 } },
  },
  {
    rule: 'helm.values deep-merge: maps recursively, lists and null replace',
    base: { helm: { values: { a: { x: 1, y: 2 }, l: [1, 2], z: 'keep' } } },
    custom: { helm: { values: { a: { y: 3 }, l: [9], z: null } } },
    want: { helm: { values: { a: { x: 1, y: 3 }, l: [9], z: null } } },
  },
  {
    rule: 'helm.templateValues: keys copied over',
    base: { helm: { templateValues: { a: '1', b: '2' } } },
    custom: { helm: { templateValues: { b: '3' } } },
    want: { helm: { templateValues: { a: '1', b: '3' } } },
  },
  {
    rule: 'helm.valuesFrom: same ConfigMap/Secret key replaced, others appended (v0.16)',
    base: { helm: { valuesFrom: [{ configMapKeyRef: { name: 'cm', namespace: 'ns', key: 'v' } }] } },
    custom: {
      helm: {
        valuesFrom: [
          { configMapKeyRef: { name: 'cm', namespace: 'ns', key: 'v' } },
          { secretKeyRef: { name: 's', namespace: 'ns', key: 'v' } },
        ],
      },
    },
    want: {
      helm: {
        valuesFrom: [
          { configMapKeyRef: { name: 'cm', namespace: 'ns', key: 'v' } },
          { secretKeyRef: { name: 's', namespace: 'ns', key: 'v' } },
        ],
      },
    },
  },
  {
    rule: 'helm.valuesFiles, maxHistory, skipSchemaValidation are never merged',
    base: { helm: { valuesFiles: ['a.yaml'] } },
    custom: { helm: { valuesFiles: ['b.yaml'], maxHistory: 3, skipSchemaValidation: true } },
    want: { helm: { valuesFiles: ['a.yaml'] } },
  },
  {
    rule: 'helm.repo/chart/version/releaseName replace when non-empty',
    base: { helm: { chart: 'a', version: '1' } },
    custom: { helm: { chart: 'b', version: '' } },
    want: { helm: { chart: 'b', version: '1' } },
  },
  {
    rule: 'yaml.overlays are appended',
    base: { yaml: { overlays: ['base'] } },
    custom: { yaml: { overlays: ['prod'] } },
    want: { yaml: { overlays: ['base', 'prod'] } },
  },
  {
    rule: 'diff.comparePatches: same apiVersion/kind/namespace/name replaced (v0.16)',
    base: {
      diff: { comparePatches: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', jsonPointers: ['/x'] }] },
    },
    custom: {
      diff: { comparePatches: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', jsonPointers: ['/y'] }] },
    },
    want: {
      diff: { comparePatches: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', jsonPointers: ['/y'] }] },
    },
  },
  {
    rule: 'correctDrift is replaced as a whole',
    base: { correctDrift: { enabled: true, force: true } },
    custom: { correctDrift: { enabled: false } },
    want: { correctDrift: { enabled: false } },
  },
  {
    rule: 'forceSyncGeneration replaces only when > 0',
    base: { forceSyncGeneration: 2 },
    custom: { forceSyncGeneration: 0, kustomize: { dir: '' } },
    want: { forceSyncGeneration: 2, kustomize: {} },
  },
  {
    rule: 'downstreamResources: same kind (any case) and name replaced (v0.16)',
    base: { downstreamResources: [{ kind: 'Secret', name: 's' }] },
    custom: {
      downstreamResources: [
        { kind: 'secret', name: 's' },
        { kind: 'ConfigMap', name: 'c' },
      ],
    },
    want: {
      downstreamResources: [
        { kind: 'secret', name: 's' },
        { kind: 'ConfigMap', name: 'c' },
      ],
    },
  },
];

describe('options.Merge (calculate.go)', () => {
  it.each(rows)('$rule', ({ base, custom, want }) => {
    const before = structuredClone(base);
    expect(mergeOptions(base, custom)).toEqual(want);
    expect(base).toEqual(before);
  });
});

describe('namespace labels and annotations of every target (target.go BundleDeployment)', () => {
  const bundle: Bundle = {
    metadata: { name: 'b', namespace: 'ws' },
    spec: {
      targets: [
        { name: 'custom', clusterName: 'other', namespaceLabels: { team: 'x', tier: 'gold' } },
        { name: 'deploy', clusterSelector: {}, namespaceAnnotations: { note: 'n' } },
      ],
    },
  };
  it('unions every target over the merged options, matching or not', () => {
    expect(withTargetNamespaceMetadata(bundle, { namespaceLabels: { team: 'base', keep: '1' } })).toEqual({
      namespaceLabels: { team: 'x', tier: 'gold', keep: '1' },
      namespaceAnnotations: { note: 'n' },
    });
  });
  it('writes no empty maps', () => {
    expect(
      withTargetNamespaceMetadata({ metadata: {}, spec: { targets: [{}] } }, { namespace: 'n' }),
    ).toEqual({
      namespace: 'n',
    });
  });
});
