import { describe, expect, it } from 'vitest';
import {
  cleanPath,
  clusterNamespaceName,
  deploymentId,
  fakeCommit,
  gitRepoBundleName,
  helmReleaseName,
  keyHash,
  limitName,
  manifestId,
  safeConcatName,
  sha256Hex,
} from './naming.js';

describe('names (docs/fleet/links.md §3.2)', () => {
  it('KeyHash is 12 hex of sha256', () => {
    expect(keyHash('fleet-default::c1')).toBe(sha256Hex('fleet-default::c1').slice(0, 12));
    expect(keyHash('x')).toMatch(/^[0-9a-f]{12}$/);
  });

  // Rows name the Fleet rule: internal/names/keyhash.go KeyHash cuts its input at 100 bytes before
  // sha256; agentmanagement/controllers/cluster/controller.go hashes "<namespace>::<name>".
  // Expected values were computed outside this code base.
  it.each([
    ['KeyHash: short input is hashed whole', 'fleet-default::c1', '50b238ecd4c1'],
    ['KeyHash: exactly 100 bytes is hashed whole', 'a'.repeat(100), '2816597888e4'],
    ['KeyHash: 101 bytes is cut to 100 before hashing', 'a'.repeat(101), '2816597888e4'],
    ['KeyHash: long cluster key is cut to 100', `fleet-default::${'c'.repeat(120)}`, '3d7794daaef0'],
    [
      'KeyHash: keys equal in their first 100 bytes collide',
      `fleet-default::${'c'.repeat(85)}-y`,
      '3d7794daaef0',
    ],
  ])('%s', (_rule, input, want) => {
    expect(keyHash(input)).toBe(want);
  });

  it('a long Cluster name gets the namespace of its cut key hash (cluster/controller.go)', () => {
    const name = 'c'.repeat(120);
    expect(clusterNamespaceName('fleet-default', name)).toBe(
      safeConcatName('cluster', 'fleet-default', name, '3d7794daaef0'),
    );
  });

  it.each([
    ['fleet-default', 'c1'],
    ['fleet-local', 'local'],
  ])('cluster namespace for %s/%s is cluster-<ns>-<name>-<hash>', (ns, name) => {
    expect(clusterNamespaceName(ns, name)).toBe(`cluster-${ns}-${name}-${keyHash(`${ns}::${name}`)}`);
  });

  it('SafeConcatName keeps names under 64 characters and hashes longer ones', () => {
    const short = safeConcatName('a', 'b');
    expect(short).toBe('a-b');
    const long = clusterNamespaceName('fleet-default', 'a-very-long-cluster-name-that-goes-on-and-on');
    expect(long.length).toBeLessThan(64);
    expect(long.startsWith('cluster-fleet-default-a-very-long-cluster-name-that-goes')).toBe(true);
    expect(long).toMatch(/-[0-9a-f]{5,6}$/);
  });

  it('SafeConcatName drops a non-alphanumeric 57th character', () => {
    const parts = ['x'.repeat(56), 'y'.repeat(20)]; // character 57 (index 56) is '-'
    const out = safeConcatName(...parts);
    expect(out.slice(0, 57)).toBe(`${'x'.repeat(56)}-`);
    expect(out).toMatch(/^x{56}-[0-9a-f]{6}$/);
  });

  it.each([
    ['simpleapp', 'simple', 'simpleapp-simple'],
    ['simpleapp', '', 'simpleapp'],
    ['simpleapp', '.', 'simpleapp'],
    ['simpleapp', './multi/dir/', 'simpleapp-multi-dir'],
  ])('bundle name of GitRepo %s path %j is %s', (repo, path, want) => {
    expect(gitRepoBundleName(repo, path)).toBe(want);
  });

  it('HelmReleaseName hashes on case change or odd characters, and limits to 53', () => {
    expect(helmReleaseName('App/Path')).toMatch(/^app-path-[0-9a-f]{8}$/);
    expect(helmReleaseName('app/pa_th')).toMatch(/^app-pa-th-[0-9a-f]{8}$/);
    const long = helmReleaseName(`repo/${'p'.repeat(80)}`);
    expect(long.length).toBe(53);
    expect(long).toMatch(/-[0-9a-f]{5}$/);
    expect(limitName('abc', 10)).toBe('abc');
  });

  it('cleans paths like filepath.Join', () => {
    expect(cleanPath('./a//b/../c/')).toBe('a/c');
  });

  it('deployment IDs are manifest:optionsHash and change with options only', () => {
    const m = manifestId([{ name: 'a', content: 'x' }]);
    expect(m).toMatch(/^s-[0-9a-f]{61}$/);
    expect(m.length).toBe(63);
    const a = deploymentId(m, { defaultNamespace: 'x', helm: { values: { a: 1, b: 2 } } });
    const b = deploymentId(m, { helm: { values: { b: 2, a: 1 } }, defaultNamespace: 'x' });
    expect(a).toBe(b);
    expect(deploymentId(m, { defaultNamespace: 'y' })).not.toBe(a);
    expect(a.startsWith(`${m}:`)).toBe(true);
  });

  it('fake commits are deterministic 40-hex shas', () => {
    expect(fakeCommit('https://x', 'main')).toBe(fakeCommit('https://x', 'main'));
    expect(fakeCommit('https://x', 'main')).toMatch(/^[0-9a-f]{40}$/);
    expect(fakeCommit('https://x', 'dev')).not.toBe(fakeCommit('https://x', 'main'));
  });
});
