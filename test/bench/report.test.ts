import { describe, expect, it } from 'vitest';
import {
  codeOwner,
  compareAnswers,
  describeRuns,
  dist,
  earlierResults,
  keepEarlier,
  markdownTable,
  median,
  pct,
  profileSummary,
  quantiles,
  ratio,
  svgBars,
  svgCdf,
  svgLines,
  type ResultRow,
  type StatusAnswer,
} from './report.js';

const answer = (over: Partial<StatusAnswer> = {}): StatusAnswer => ({
  total: 3,
  readyClusters: 2,
  desiredReadyClusters: 2,
  rows: [
    { key: 'ns-a/b1', bundle: 'b1', cluster: 'c1', state: 'Ready' },
    { key: 'ns-b/b1', bundle: 'b1', cluster: 'c2', state: 'NotReady' },
  ],
  ...over,
});

describe('statistics', () => {
  it('takes nearest-rank percentiles of unsorted values', () => {
    const v = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(pct(v, 50)).toBe(5);
    expect(pct(v, 99)).toBe(10);
    expect(pct(v, 10)).toBe(1);
    expect(pct([], 50)).toBeNaN();
    expect(dist(v)).toEqual({ n: 10, p50: 5, p95: 10, p99: 10, max: 10 });
  });

  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('spreads quantiles from the minimum to the maximum', () => {
    const q = quantiles([3, 1, 2, 4, 5], 3);
    expect(q).toEqual([
      [0, 1],
      [0.5, 3],
      [1, 5],
    ]);
  });

  it('writes ratios below one as 1/N', () => {
    expect(ratio(0.01)).toBe('1/100');
    expect(ratio(2.5)).toBe('2.50×');
    expect(ratio(NaN)).toBe('—');
  });
});

describe('compareAnswers', () => {
  it('finds no difference between equal answers, whatever the spelling of the state', () => {
    const g = answer({
      rows: [
        { key: 'ns-a/b1', bundle: 'b1', cluster: 'c1', state: 'READY' },
        { key: 'ns-b/b1', bundle: 'b1', cluster: 'c2', state: 'NOT_READY' },
      ],
    });
    expect(compareAnswers(g, answer())).toEqual([]);
  });

  it('reports each difference: total, counts, order, cluster and state', () => {
    const g = answer({
      total: 4,
      readyClusters: 1,
      rows: [
        { key: 'ns-a/b1', bundle: 'b1', cluster: 'cX', state: 'Modified' },
        { key: 'ns-c/b1', bundle: 'b1', cluster: 'c2', state: 'NotReady' },
      ],
    });
    const diff = compareAnswers(g, answer());
    expect(diff).toEqual([
      'total: 4 ≠ 3',
      'readyClusters: 1 ≠ 2',
      'row 0 (ns-a/b1) cluster: cX ≠ c1',
      'row 0 (ns-a/b1) state: Modified ≠ Ready',
      'row 1: ns-c/b1 ≠ ns-b/b1',
    ]);
  });

  it('reports a missing row', () => {
    expect(compareAnswers(answer({ rows: answer().rows.slice(0, 1) }), answer())).toEqual(['rows: 1 ≠ 2']);
  });
});

describe('markdownTable', () => {
  it('writes one row per result with the verdict and escapes pipes', () => {
    const md = markdownTable([
      {
        goal: 'P1',
        metric: 'p99 a|b',
        baseline: '1.0 s',
        fleetGraph: '10 ms',
        ratio: '1/100',
        target: '≤ 1/100',
        met: true,
      },
      {
        goal: 'P3',
        metric: 'heap',
        baseline: '4.8 kB',
        fleetGraph: '459 B',
        ratio: '1/10',
        target: '≤ 1/20',
        met: false,
      },
      {
        goal: 'P6',
        metric: 'requests',
        baseline: '3',
        fleetGraph: '3',
        ratio: '1.00×',
        target: '',
        met: undefined,
      },
    ]);
    const lines = md.split('\n');
    expect(lines[0]).toBe('| Goal | Metric | Baseline | fleet-graph | Ratio | Target | Met? |');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toBe('| P1 | p99 a\\|b | 1.0 s | 10 ms | 1/100 | ≤ 1/100 | yes |');
    expect(lines[3]).toContain('| **no** |');
    expect(lines[4]!.endsWith('|  |')).toBe(true);
  });
});

describe('SVG charts', () => {
  const wellFormed = (svg: string) => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toContain('NaN');
    expect(svg).not.toContain('Infinity');
  };

  it('draws one cumulative curve per series, escaping names', () => {
    const svg = svgCdf({
      title: 'P1 <latency>',
      xLabel: 'ms',
      series: [
        { name: 'fleet-graph', values: [1, 2, 3, 50] },
        { name: 'LIST & join', values: [800, 900, 1200] },
      ],
    });
    wellFormed(svg);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('P1 &lt;latency&gt;');
    expect(svg).toContain('LIST &amp; join');
  });

  it('draws grouped bars with a goal line and skips missing values', () => {
    const svg = svgBars({
      title: 'heap per BD',
      yLabel: 'bytes',
      groups: [
        {
          label: 'L',
          bars: [
            { name: 'fleet-graph', value: 459 },
            { name: 'full objects', value: 4811 },
          ],
        },
        {
          label: 'XL',
          bars: [
            { name: 'fleet-graph', value: NaN },
            { name: 'full objects', value: 4700 },
          ],
        },
      ],
      goal: { value: 250, label: 'goal 250 B' },
    });
    wellFormed(svg);
    expect(svg.match(/<rect x=/g)).toHaveLength(3 + 2); // three bars, two legend boxes
    expect(svg).toContain('stroke-dasharray');
  });

  it('draws a line with a point per measurement', () => {
    const svg = svgLines({
      title: 'fan-out',
      xLabel: 'subscribers',
      yLabel: 'deliveries/s',
      series: [
        {
          name: 'fleet-graph',
          points: [
            [100, 20000],
            [1000, 18000],
            [10000, 9000],
          ],
        },
        {
          name: 'raw ws',
          points: [
            [100, 80000],
            [1000, 85000],
          ],
        },
      ],
    });
    wellFormed(svg);
    expect(svg.match(/<circle/g)).toHaveLength(5);
  });
});

describe('profileSummary', () => {
  it('adds self time per function and per package or source folder', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
    const s = profileSummary(
      {
        nodes: [
          { id: 1, callFrame: frame('(root)', '') },
          { id: 2, callFrame: frame('parse', 'file:///x/node_modules/graphql/language/parser.js') },
          { id: 3, callFrame: frame('apply', 'file:///x/src/gateway/store/store.ts') },
          { id: 4, callFrame: frame('send', 'file:///x/node_modules/@envelop/core/index.js') },
        ],
        samples: [2, 2, 3, 4, 2],
        timeDeltas: [1000, 1000, 2000, 500, 500],
      },
      10,
    );
    expect(s.totalMs).toBe(5);
    expect(s.functions[0]).toEqual({ name: 'parse graphql:10', ms: 3, share: 50 });
    expect(s.owners.map((o) => o.name)).toEqual(['graphql', 'src/gateway/store', '@envelop/core']);
    expect(codeOwner('node:internal/streams')).toBe('node (core)');
  });
});

describe('earlier results for --merge and combine', () => {
  const row = (goal: string): ResultRow => ({
    goal,
    metric: `${goal} metric`,
    baseline: '1',
    fleetGraph: '2',
    ratio: '2×',
    target: '',
    met: false,
  });
  const machine = { cpus: 2, loadAvgAtStart: [1, 2, 3] };

  it("reads combine.ts's results (runs, no at or machine) and keeps what this run did not measure", () => {
    const combined = {
      runs: [
        { at: '2026-12-03T15:13:00Z', goals: ['P1', 'P3'], machine },
        { at: '2026-12-03T15:34:00Z', goals: 'all', machine },
      ],
      rows: [row('P1'), row('P3'), row('P8')],
      notes: ['P1: a note', 'P8: another'],
      data: { p1: 1 },
    };
    const prev = earlierResults(combined, 'combined/results.json');
    expect(prev.runs.map((r) => r.goals)).toEqual([
      ['P1', 'P3'],
      ['P1', 'P3', 'P8'],
    ]);
    const kept = keepEarlier(prev, new Set(['P1']));
    expect(kept.rows.map((r) => r.goal)).toEqual(['P3', 'P8']);
    expect(kept.notes).toEqual(['P8: another']);
    expect(kept.runs.map((r) => r.goals)).toEqual([['P3'], ['P3', 'P8']]);
    const lines = describeRuns(kept.runs);
    expect(lines[0]).toBe('P3 from the run of 2026-12-03T15:13:00Z ({cpus:2,loadAvgAtStart:[1,2,3]}).');
  });

  it("reads a run that itself merged an earlier one, naming each goal's own run", () => {
    const merged = {
      at: '2026-12-03T17:00:00Z',
      machine,
      mergedFrom: [{ at: '2026-12-03T15:13:00Z', machine: undefined, goals: ['P3'] }],
      rows: [row('P1'), row('P3')],
      notes: [],
      data: {},
    };
    const kept = keepEarlier(earlierResults(merged, 'x'), new Set(['P5']));
    expect(kept.runs).toEqual([
      { at: '2026-12-03T17:00:00Z', machine, goals: ['P1'] },
      { at: '2026-12-03T15:13:00Z', machine: undefined, goals: ['P3'] },
    ]);
    expect(describeRuns(kept.runs)[1]).toBe(
      'P3 from the run of 2026-12-03T15:13:00Z (machine not recorded).',
    );
  });

  it('refuses a file that is not benchmark results with a message naming it', () => {
    expect(() => earlierResults({ hello: 1 }, 'some/results.json')).toThrow(/some\/results.json: no "rows"/);
  });
});
