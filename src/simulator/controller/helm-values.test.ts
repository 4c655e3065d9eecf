/**
 * Helm values preprocessing (target/builder.go preprocessHelmValues), one row per Fleet rule; the
 * templates are those of Fleet's own tests (target_test.go) where one exists.
 */
import { describe, expect, it } from 'vitest';
import type { BundleDeploymentOptions, Cluster } from '../../apis/fleet.js';
import { preprocessHelmValues } from './helm-values.js';
import { TargetingError } from './targeting.js';

const cluster: Cluster = {
  metadata: {
    name: 'my-cluster',
    namespace: 'dev-clusters',
    labels: {
      name: 'local',
      envType: 'dev',
      'really-long-label-name-with-many-many-characters-in-it': 'foobar',
      'fleet.cattle.io/kept': 'yes',
      'provisioning.cattle.io/dropped': 'x',
    },
    annotations: { testAnnotation: 'test', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
  },
  spec: {
    templateValues: {
      topLevel: 'foo',
      nested: { secondTier: { thirdTier: 'bar' } },
      items: ['one', 'two'],
      list: ['alpha', 'beta', 'omega'],
      replicas: 3,
    },
  },
};

const helm = (h: Record<string, unknown>): BundleDeploymentOptions => ({ helm: h });

const ok: { rule: string; opts: BundleDeploymentOptions; on?: Cluster; want: unknown }[] = [
  {
    rule: 'fields of the context: labels, annotations, name, namespace, cluster values',
    opts: helm({
      values: {
        clusterName: '${ .ClusterLabels.name }',
        fromAnnotation: '${ .ClusterAnnotations.testAnnotation }',
        clusterNamespace: '${ .ClusterNamespace }',
        fleetClusterName: '${ .ClusterName }',
        nested: [{ element2: '${ .ClusterValues.nested.secondTier.thirdTier }' }],
        replicas: '${ .ClusterValues.replicas }',
      },
    }),
    want: {
      clusterName: 'local',
      fromAnnotation: 'test',
      clusterNamespace: 'dev-clusters',
      fleetClusterName: 'my-cluster',
      nested: [{ element2: 'bar' }],
      // Rendered text is read back as YAML: a number stays a number.
      replicas: 3,
    },
  },
  {
    rule: 'functions: index, hasKey/if/else, upper, join, list | toJson, range over a map',
    opts: helm({
      values: {
        long: 'kubernets.io/cluster/${ index .ClusterLabels "really-long-label-name-with-many-many-characters-in-it" }',
        missingLabel:
          '${ if hasKey .ClusterLabels "missing" }${ .ClusterLabels.missing }${ else }missing${ end}',
        upper: '${ .ClusterValues.topLevel | upper }_test',
        join: '${ .ClusterValues.list | join "," }',
        list: '${ list 1 2 3 | toJson }',
        keys: '${ range $k, $v := .ClusterLabels }${ $k }=${ $v | quote } ${ end }',
      },
    }),
    want: {
      long: 'kubernets.io/cluster/foobar',
      missingLabel: 'missing',
      upper: 'FOO_test',
      join: 'alpha,beta,omega',
      list: [1, 2, 3],
      keys: 'envType="dev" fleet.cattle.io/kept="yes" name="local" really-long-label-name-with-many-many-characters-in-it="foobar"',
    },
  },
  {
    rule: 'templateValues: each entry rendered and read back as YAML, over the values',
    opts: helm({
      values: { overridden: '' },
      templateValues: {
        overridden: 'something_templated',
        mapData: '${- range $key := .ClusterValues.items }\n"${ $key }":\n  nested: "true"\n${- end}',
      },
    }),
    want: {
      overridden: 'something_templated',
      mapData: { one: { nested: 'true' }, two: { nested: 'true' } },
    },
  },
  {
    rule: 'global.fleet.clusterLabels.<key> is replaced, "" for a missing label, even with disablePreProcess',
    opts: helm({
      disablePreProcess: true,
      values: {
        a: 'global.fleet.clusterLabels.name',
        b: [{ c: 'global.fleet.clusterLabels.nope' }],
        t: '${ .ClusterName }',
      },
    }),
    want: { a: 'local', b: [{ c: '' }], t: '${ .ClusterName }' },
  },
  {
    rule: 'a cluster with no usable label: values are left verbatim',
    opts: helm({ values: { t: '${ .ClusterLabels.missing }' } }),
    on: {
      metadata: { name: 'bare', namespace: 'ws', labels: { 'provisioning.cattle.io/x': 'y' } },
      spec: {},
    },
    want: { t: '${ .ClusterLabels.missing }' },
  },
];

describe('preprocessHelmValues (builder.go)', () => {
  it.each(ok)('$rule', ({ opts, on, want }) => {
    expect(preprocessHelmValues(opts, on ?? cluster).helm?.values).toEqual(want);
  });

  it('options without helm get an empty helm (when the cluster has labels)', () => {
    expect(preprocessHelmValues({ namespace: 'n' }, cluster)).toEqual({ namespace: 'n', helm: {} });
  });

  const failing: {
    rule: string;
    values: Record<string, unknown>;
    tv?: Record<string, string>;
    message: RegExp;
  }[] = [
    {
      rule: 'missingkey=error: a missing label fails',
      values: { a: '${ .ClusterLabels.missing }' },
      message:
        /^cluster my-cluster in namespace dev-clusters: failed to render helm values template: .*map has no entry for key "missing"/,
    },
    {
      rule: 'missingkey=error applies before default sees the value',
      values: { a: '${ default "x" .ClusterValues.nope }' },
      message: /failed to render helm values template: .*no entry for key "nope"/,
    },
    {
      rule: 'an unknown function fails at parse time',
      values: { a: '${ non_existent_function }' },
      message: /failed to parse helm values template: .*function "non_existent_function" not defined/,
    },
    {
      rule: 'a rendered templateValues entry that is not YAML fails',
      values: {},
      tv: { a: '${ .ClusterName }: [' },
      message: /failed to interpret rendered template as helm values/,
    },
  ];
  it.each(failing)('$rule → targeting error', ({ values, tv, message }) => {
    let err: unknown;
    try {
      preprocessHelmValues(helm({ values, ...(tv ? { templateValues: tv } : {}) }), cluster);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TargetingError);
    expect((err as Error).message).toMatch(message);
  });
});
