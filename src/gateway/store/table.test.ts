import { describe, expect, it } from 'vitest';
import { CowIndex, CowMap } from './table.js';

describe('CowMap', () => {
  it('frozen views keep their content while the map changes, and copies stay independent', () => {
    const m = new CowMap<number>(8);
    for (let i = 0; i < 100; i++) m.set(`k${i}`, i);
    const v1 = m.freeze();
    expect(m.freeze()).toBe(v1);
    m.set('k1', -1);
    m.delete('k2');
    m.set('new', 7);
    const v2 = m.freeze();
    expect([v1.get('k1'), v1.get('k2'), v1.get('new'), v1.size]).toEqual([1, 2, undefined, 100]);
    expect([v2.get('k1'), v2.get('k2'), v2.get('new'), v2.size]).toEqual([-1, undefined, 7, 100]);
    expect([...v1.keys()].length).toBe(100);
    expect(m.delete('absent')).toBe(false);
    expect(m.size).toBe(100);
  });
});

describe('CowIndex', () => {
  const rec = (key: string, v = 0) => ({ key, v });

  it('keeps each index key sorted by record key, replacing and removing', () => {
    const ix = new CowIndex<{ key: string; v: number }>();
    for (const k of ['c', 'a', 'b', 'e', 'd']) ix.add('x', rec(k));
    ix.add('x', rec('b', 1));
    ix.remove('x', 'e');
    ix.remove('x', 'missing');
    ix.add(undefined, rec('ignored'));
    expect(ix.get('x')!.map((r) => `${r.key}${r.v}`)).toEqual(['a0', 'b1', 'c0', 'd0']);
  });

  it('never changes an array handed out by freeze', () => {
    const ix = new CowIndex<{ key: string; v: number }>();
    ix.add('x', rec('a'));
    ix.add('x', rec('b'));
    const before = ix.freeze().get('x')!;
    ix.add('x', rec('c'));
    ix.remove('x', 'a');
    ix.remove('y', 'a');
    expect(before.map((r) => r.key)).toEqual(['a', 'b']);
    expect(Object.isFrozen(before)).toBe(true);
    expect(
      ix
        .freeze()
        .get('x')!
        .map((r) => r.key),
    ).toEqual(['b', 'c']);
  });

  it('drops an index key when its last record goes, and orders keys as namespace prefixes', () => {
    const ix = new CowIndex<{ key: string; v: number }>();
    ix.add('a-b', rec('a-b/x'));
    ix.add('a', rec('a/y'));
    expect(ix.sortedKeys()).toEqual(['a-b', 'a']);
    ix.remove('a-b', 'a-b/x');
    expect(ix.get('a-b')).toBeUndefined();
    expect(ix.sortedKeys()).toEqual(['a']);
  });
});
