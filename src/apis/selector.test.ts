import { describe, expect, it } from 'vitest';
import { compileLabelSelector, InvalidSelectorError, parseLabelSelector } from './selector.js';

describe('compileLabelSelector', () => {
  const labels = { env: 'prod', region: 'eu' };
  it.each([
    [{}, {}, true],
    [{}, labels, true],
    [{ matchLabels: { env: 'prod' } }, labels, true],
    [{ matchLabels: { env: 'dev' } }, labels, false],
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] }, labels, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, labels, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, labels, true],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels, false],
    [{ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, labels, true],
    [{ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, labels, false],
    [
      { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }] },
      labels,
      false,
    ],
  ])('%j against %j is %s', (sel, l, want) => {
    expect(compileLabelSelector(sel).matches(l)).toBe(want);
  });

  it.each([
    [{ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }, 'matchExpressions[0].operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, 'matchExpressions[0].values'],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'matchExpressions[0].values'],
    [{ matchLabels: { 'bad key!': 'x' } }, 'matchLabels'],
    [{ matchLabels: { a: '-x' } }, 'matchLabels.a'],
  ])('rejects %j at %s', (sel, field) => {
    try {
      compileLabelSelector(sel);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidSelectorError);
      expect((e as InvalidSelectorError).problems[0]?.field).toBe(field);
    }
  });
});

describe('parseLabelSelector', () => {
  it.each([
    ['', { a: '1' }, true],
    ['a=1', { a: '1' }, true],
    ['a==1', { a: '2' }, false],
    ['a!=1', {}, true],
    ['a in (1, 2)', { a: '2' }, true],
    ['a notin (1,2)', { a: '3' }, true],
    ['a', { a: '' }, true],
    ['!a', { a: '' }, false],
    ['a=1,b', { a: '1' }, false],
    [
      'fleet.cattle.io/bundle-name=x,fleet.cattle.io/bundle-namespace=y',
      { 'fleet.cattle.io/bundle-name': 'x', 'fleet.cattle.io/bundle-namespace': 'y' },
      true,
    ],
  ])('%s against %j is %s', (s, l, want) => {
    expect(parseLabelSelector(s).matches(l)).toBe(want);
  });

  it.each(['a in 1', 'a=(', 'a,', '=x', 'a in (x', 'a>1'])('rejects %s', (s) => {
    expect(() => parseLabelSelector(s)).toThrow(InvalidSelectorError);
  });

  it('prints the canonical form', () => {
    expect(parseLabelSelector('b in (y,x), a=1, !c').toString()).toBe('a=1,b in (x,y),!c');
  });
});
