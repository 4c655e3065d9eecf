import { describe, expect, it } from 'vitest';
import { evalJsonPath } from './jsonpath.js';
import { humanDuration } from './registry.js';

const obj = {
  spec: { repo: 'r', paths: ['a', 'b'] },
  status: {
    conditions: [
      { type: 'Ready', status: 'True', message: 'ok' },
      { type: 'Accepted', status: 'False', message: 'no' },
    ],
  },
};

describe('evalJsonPath (printer-column subset)', () => {
  it('selects fields, indexes, wildcards and filters', () => {
    expect(evalJsonPath(obj, '.spec.repo')).toEqual(['r']);
    expect(evalJsonPath(obj, '.spec.paths[1]')).toEqual(['b']);
    expect(evalJsonPath(obj, '.spec.paths[*]')).toEqual(['a', 'b']);
    expect(evalJsonPath(obj, '.status.conditions[?(@.type=="Ready")].message')).toEqual(['ok']);
    expect(evalJsonPath(obj, "{.status.conditions[?(@.status!='True')].type}")).toEqual(['Accepted']);
    expect(evalJsonPath(obj, '.status.missing')).toEqual([]);
  });
});

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  it('formats ages like kubectl', () => {
    expect(humanDuration(5_000)).toBe('5s');
    expect(humanDuration(119_000)).toBe('119s');
    expect(humanDuration(150_000)).toBe('2m30s');
    expect(humanDuration(45 * 60_000)).toBe('45m');
    expect(humanDuration(5 * 3600_000 + 60_000)).toBe('5h1m');
    expect(humanDuration(30 * 3600_000)).toBe('30h');
    expect(humanDuration(3 * 86400_000)).toBe('3d');
    expect(humanDuration(100 * 86400_000)).toBe('100d');
  });
});
