import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../../../apis/selector.js';
import { candidateNamespaces, clustersOfGroup, groupHasMember } from './groups.js';
import { aBundle, aCluster, aGroup, aMapping, aNamespace } from '../../../../test/support/fleet-builders.js';

const cluster = aCluster({ name: 'c1', labels: { env: 'prod' } });
const unlabelled = aCluster({ name: 'c2' });

describe('group membership (docs/fleet/targeting.md §4.2)', () => {
  const rows: { rule: string; selector: LabelSelector | null; namespace?: string; member: boolean }[] = [
    { rule: 'a null selector has no members', selector: null, member: false },
    { rule: '{} contains every cluster in the namespace', selector: {}, member: true },
    {
      rule: 'a matching selector makes the cluster a member',
      selector: { matchLabels: { env: 'prod' } },
      member: true,
    },
    { rule: 'a non-matching selector does not', selector: { matchLabels: { env: 'dev' } }, member: false },
    {
      rule: 'an invalid selector is skipped',
      selector: { matchExpressions: [{ key: 'env', operator: 'Bogus' }] },
      member: false,
    },
    {
      rule: 'only clusters in the same namespace can be members',
      selector: {},
      namespace: 'other',
      member: false,
    },
  ];
  it.each(rows)('$rule', ({ selector, namespace, member }) => {
    expect(groupHasMember(aGroup({ name: 'g', selector, namespace }), cluster)).toBe(member);
  });

  it('{} includes a cluster with no labels; clustersOfGroup lists members', () => {
    const g = aGroup({ name: 'all', selector: {} });
    expect(clustersOfGroup(g, [cluster, unlabelled])).toEqual([cluster, unlabelled]);
  });
});

describe('candidate namespaces via BundleNamespaceMapping (docs/fleet/targeting.md §4.2)', () => {
  const bundle = aBundle({ name: 'b', labels: { team: 'one' } });
  const namespaces = [
    aNamespace({ name: 'ws-a', labels: { shared: 'yes' } }),
    aNamespace({ name: 'ws-b' }),
    aNamespace({ name: 'fleet-default' }),
  ];
  const rows: { rule: string; mapping: Parameters<typeof aMapping>[0]; want: string[] }[] = [
    {
      rule: 'a mapping in the bundle namespace exports by namespace labels',
      mapping: {
        name: 'm',
        bundleSelector: { matchLabels: { team: 'one' } },
        namespaceSelector: { matchLabels: { shared: 'yes' } },
      },
      want: ['fleet-default', 'ws-a'],
    },
    {
      rule: 'kubernetes.io/metadata.name picks a namespace by name',
      mapping: {
        name: 'm',
        bundleSelector: {},
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ws-b' } },
      },
      want: ['fleet-default', 'ws-b'],
    },
    {
      rule: 'a null bundleSelector never matches',
      mapping: { name: 'm', bundleSelector: null, namespaceSelector: {} },
      want: ['fleet-default'],
    },
    {
      rule: 'a null namespaceSelector never matches',
      mapping: { name: 'm', bundleSelector: {}, namespaceSelector: null },
      want: ['fleet-default'],
    },
    {
      rule: 'the bundleSelector must match the bundle labels',
      mapping: { name: 'm', bundleSelector: { matchLabels: { team: 'two' } }, namespaceSelector: {} },
      want: ['fleet-default'],
    },
    {
      rule: 'a mapping in another namespace does not apply',
      mapping: { name: 'm', namespace: 'ws-a', bundleSelector: {}, namespaceSelector: {} },
      want: ['fleet-default'],
    },
    {
      rule: '{} namespaceSelector exports to every namespace',
      mapping: { name: 'm', bundleSelector: {}, namespaceSelector: {} },
      want: ['fleet-default', 'ws-a', 'ws-b'],
    },
  ];
  it.each(rows)('$rule', ({ mapping, want }) => {
    expect(candidateNamespaces(bundle, [aMapping(mapping)], namespaces)).toEqual(want);
  });
});
