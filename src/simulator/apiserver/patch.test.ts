import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patch.js';

describe('mergePatch (RFC 7386)', () => {
  it('merges objects, deletes on null, replaces arrays, leaves the input alone', () => {
    const target = { a: 1, b: { c: 2, d: 3 }, e: [1, 2] };
    const out = mergePatch(target, { b: { c: null, x: 4 }, e: [3], f: 'new' });
    expect(out).toEqual({ a: 1, b: { d: 3, x: 4 }, e: [3], f: 'new' });
    expect(target).toEqual({ a: 1, b: { c: 2, d: 3 }, e: [1, 2] });
  });
});

describe('jsonPatch (RFC 6902)', () => {
  it('applies add, remove, replace, move, copy and test', () => {
    const out = jsonPatch({ a: { b: [1, 2] }, c: 'x' }, [
      { op: 'add', path: '/a/b/-', value: 3 },
      { op: 'add', path: '/a/b/0', value: 0 },
      { op: 'remove', path: '/a/b/1' },
      { op: 'replace', path: '/c', value: 'y' },
      { op: 'copy', from: '/c', path: '/d' },
      { op: 'move', from: '/d', path: '/e~1f' },
      { op: 'test', path: '/c', value: 'y' },
    ]);
    expect(out).toEqual({ a: { b: [0, 2, 3] }, c: 'y', 'e/f': 'y' });
  });

  it('fails on a missing path, a failed test and a malformed patch', () => {
    expect(() => jsonPatch({}, [{ op: 'replace', path: '/x', value: 1 }])).toThrow(PatchError);
    expect(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(/test failed/);
    expect(() => jsonPatch({}, { op: 'add' })).toThrow(PatchError);
    expect(() => jsonPatch({}, [{ op: 'frobnicate', path: '/a' }])).toThrow(PatchError);
  });
});

describe('strategicMergePatch', () => {
  it('merges finalizers as a set and ownerReferences by uid', () => {
    const out = strategicMergePatch(
      { metadata: { finalizers: ['a'], ownerReferences: [{ uid: '1', name: 'x' }] }, data: { k: 'v' } },
      {
        metadata: {
          finalizers: ['b', 'a'],
          ownerReferences: [
            { uid: '1', name: 'y' },
            { uid: '2', name: 'z' },
          ],
        },
        data: { k2: 'v2' },
      },
    );
    expect(out).toEqual({
      metadata: {
        finalizers: ['a', 'b'],
        ownerReferences: [
          { uid: '1', name: 'y' },
          { uid: '2', name: 'z' },
        ],
      },
      data: { k: 'v', k2: 'v2' },
    });
  });

  it('honours $patch: replace/delete, $deleteFromPrimitiveList and $retainKeys', () => {
    expect(
      strategicMergePatch({ data: { a: '1', b: '2' } }, { data: { $patch: 'replace', c: '3' } }),
    ).toEqual({ data: { c: '3' } });
    expect(strategicMergePatch({ data: { a: '1' }, x: 1 }, { data: { $patch: 'delete' } })).toEqual({ x: 1 });
    expect(
      strategicMergePatch(
        { metadata: { finalizers: ['a', 'b'] } },
        { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      ),
    ).toEqual({
      metadata: { finalizers: ['b'] },
    });
    expect(
      strategicMergePatch({ spec: { a: 1, b: 2 } }, { spec: { $retainKeys: ['a', 'c'], c: 3 } }),
    ).toEqual({ spec: { a: 1, c: 3 } });
    expect(
      strategicMergePatch(
        { metadata: { ownerReferences: [{ uid: '1' }, { uid: '2' }] } },
        { metadata: { ownerReferences: [{ uid: '1', $patch: 'delete' }] } },
      ),
    ).toEqual({ metadata: { ownerReferences: [{ uid: '2' }] } });
  });
});
