/**
 * The pure parts of the benchmark report: statistics over repetitions, the comparison of the two
 * answers of goal P1, the Markdown results table, and small hand-written SVG charts. Nothing here
 * does I/O, so the unit test covers all of it (test/bench/report.test.ts).
 */

// ---------------------------------------------------------------------------------------------
// Statistics

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function pct(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The median (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Dist {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export function dist(values: readonly number[]): Dist {
  return {
    n: values.length,
    p50: pct(values, 50),
    p95: pct(values, 95),
    p99: pct(values, 99),
    max: values.length ? values.reduce((a, b) => (b > a ? b : a), -Infinity) : NaN,
  };
}

/** `k` values evenly spread over the distribution (for charts and the JSON file). */
export function quantiles(values: readonly number[], k = 50): [number, number][] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (let i = 0; i < k; i++) {
    const q = k === 1 ? 1 : i / (k - 1);
    out.push([q, sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))]!]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// P1: the two answers must agree

export interface StatusAnswer {
  readonly total: number;
  readonly readyClusters: number | undefined;
  readonly desiredReadyClusters: number | undefined;
  readonly rows: readonly {
    key: string;
    bundle?: string | undefined;
    cluster?: string | undefined;
    state?: string | undefined;
  }[];
}

/** `NotReady`, `NOT_READY` and `notready` are one state. */
const normState = (s: string | undefined) => (s ?? '').replace(/[^a-z]/gi, '').toUpperCase();

/**
 * Every difference between the gateway's answer and the baseline's, as readable lines (empty when
 * they agree): totals, the GitRepo's ready counts, and each row's key, Bundle, Cluster and state,
 * in order.
 */
export function compareAnswers(gateway: StatusAnswer, baseline: StatusAnswer): string[] {
  const out: string[] = [];
  if (gateway.total !== baseline.total) out.push(`total: ${gateway.total} ≠ ${baseline.total}`);
  for (const f of ['readyClusters', 'desiredReadyClusters'] as const)
    if (gateway[f] !== baseline[f]) out.push(`${f}: ${gateway[f]} ≠ ${baseline[f]}`);
  if (gateway.rows.length !== baseline.rows.length)
    out.push(`rows: ${gateway.rows.length} ≠ ${baseline.rows.length}`);
  const n = Math.min(gateway.rows.length, baseline.rows.length);
  for (let i = 0; i < n; i++) {
    const g = gateway.rows[i]!;
    const b = baseline.rows[i]!;
    if (g.key !== b.key) out.push(`row ${i}: ${g.key} ≠ ${b.key}`);
    else {
      if (g.bundle !== b.bundle) out.push(`row ${i} (${g.key}) bundle: ${g.bundle} ≠ ${b.bundle}`);
      if (g.cluster !== b.cluster) out.push(`row ${i} (${g.key}) cluster: ${g.cluster} ≠ ${b.cluster}`);
      if (normState(g.state) !== normState(b.state))
        out.push(`row ${i} (${g.key}) state: ${g.state} ≠ ${b.state}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Formatting

export function num(x: number | undefined, unit = ''): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  const s =
    a >= 1000
      ? Math.round(x).toLocaleString('en-US')
      : a >= 100
        ? x.toFixed(0)
        : a >= 10
          ? x.toFixed(1)
          : a >= 1
            ? x.toFixed(2)
            : a === 0
              ? '0'
              : x.toPrecision(2);
  return `${s}${unit}`;
}

/** A ratio as "1/N" below one, "N×" otherwise. */
export function ratio(r: number): string {
  if (!Number.isFinite(r)) return '—';
  if (r > 0 && r < 1) return `1/${num(1 / r)}`;
  return `${num(r)}×`;
}

export interface ResultRow {
  /** "P1" … "P8". */
  readonly goal: string;
  readonly metric: string;
  readonly baseline: string;
  readonly fleetGraph: string;
  readonly ratio: string;
  readonly target: string;
  /** undefined: information, or not measured. */
  readonly met: boolean | undefined;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function metText(met: boolean | undefined): string {
  return met === undefined ? '' : met ? 'yes' : '**no**';
}

/** The results as a GitHub Markdown table: goal, metric, baseline, fleet-graph, ratio, target, met?. */
export function markdownTable(rows: readonly ResultRow[]): string {
  const head = '| Goal | Metric | Baseline | fleet-graph | Ratio | Target | Met? |';
  const sep = '|---|---|---:|---:|---:|---|---|';
  const body = rows.map(
    (r) =>
      `| ${cell(r.goal)} | ${cell(r.metric)} | ${cell(r.baseline)} | ${cell(r.fleetGraph)} | ${cell(r.ratio)} | ${cell(r.target)} | ${metText(r.met)} |`,
  );
  return [head, sep, ...body].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Earlier results, for `--merge` and combine.ts

/** One earlier run and the goals of it that a results file keeps. */
export interface RunRef {
  readonly at: string;
  readonly machine: unknown;
  readonly goals: readonly string[];
}

/** What a results.json holds, whichever tool wrote it. */
export interface EarlierResults {
  readonly rows: readonly ResultRow[];
  readonly notes: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;
  /** The runs its rows come from, each with the goals taken from it. */
  readonly runs: readonly RunRef[];
}

const atOf = (at: unknown) => (typeof at === 'string' ? at : 'unknown');

const goalsOf = (rows: readonly ResultRow[]) => [...new Set(rows.map((r) => r.goal))];

/**
 * Reads a results.json written by run.ts (`at`, `machine`, and `mergedFrom` when it kept goals of
 * another run) or by combine.ts (`runs`, each with its goals or "all"). Anything else is a clear
 * error naming what is missing, never a crash further on.
 */
export function earlierResults(json: unknown, source: string): EarlierResults {
  const o = (json ?? {}) as Record<string, unknown>;
  if (!Array.isArray(o['rows'])) throw new Error(`${source}: no "rows" array, not a benchmark results file`);
  const rows = o['rows'] as ResultRow[];
  const notes = Array.isArray(o['notes']) ? (o['notes'] as string[]) : [];
  const data = (o['data'] && typeof o['data'] === 'object' ? o['data'] : {}) as Record<string, unknown>;
  const all = goalsOf(rows);
  const runs: RunRef[] = [];
  if (Array.isArray(o['runs'])) {
    for (const r of o['runs'] as Record<string, unknown>[]) {
      const goals = Array.isArray(r['goals']) ? (r['goals'] as string[]) : all;
      runs.push({ at: atOf(r['at']), machine: r['machine'], goals });
    }
  } else {
    const merged = [o['mergedFrom']].flat().filter(Boolean) as Record<string, unknown>[];
    const earlier = merged.map((m) => ({
      at: atOf(m['at']),
      machine: m['machine'],
      goals: Array.isArray(m['goals']) ? (m['goals'] as string[]) : [],
    }));
    const fromEarlier = new Set(earlier.flatMap((m) => m.goals));
    runs.push({
      at: atOf(o['at']),
      machine: o['machine'],
      goals: all.filter((g) => !fromEarlier.has(g)),
    });
    runs.push(...earlier);
  }
  return { rows, notes, data, runs };
}

/**
 * The part of earlier results a run keeps: every goal it did not measure itself, with the runs
 * those goals come from (so the table still names each figure's run and machine).
 */
export function keepEarlier(prev: EarlierResults, measured: ReadonlySet<string>) {
  const kept = (goal: string) => !measured.has(goal);
  const rows = prev.rows.filter((r) => kept(r.goal));
  const goals = new Set(goalsOf(rows));
  return {
    rows,
    notes: prev.notes.filter((n) => !measured.has(n.slice(0, Math.max(0, n.indexOf(':'))))),
    runs: prev.runs
      .map((r) => ({ ...r, goals: r.goals.filter((g) => goals.has(g)) }))
      .filter((r) => r.goals.length > 0),
  };
}

/** One line per earlier run: which goals came from it, when, and on what machine. */
export function describeRuns(runs: readonly RunRef[]): string[] {
  return runs.map(
    (r) =>
      `${r.goals.join(', ')} from the run of ${r.at} (${(JSON.stringify(r.machine) ?? 'machine not recorded').replace(/"/g, '')}).`,
  );
}

// ---------------------------------------------------------------------------------------------
// SVG charts: no library, a few hundred bytes of markup each

const W = 640;
const H = 360;
const M = { l: 70, r: 20, t: 40, b: 50 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const f2 = (x: number) => (Math.round(x * 10) / 10).toString();

function frame(title: string, xLabel: string, yLabel: string, inner: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${xmlEscape(title)}</text>`,
    `<line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" stroke="#000"/>`,
    `<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" stroke="#000"/>`,
    `<text x="${(M.l + W - M.r) / 2}" y="${H - 10}" text-anchor="middle">${xmlEscape(xLabel)}</text>`,
    `<text x="15" y="${(M.t + H - M.b) / 2}" text-anchor="middle" transform="rotate(-90 15 ${(M.t + H - M.b) / 2})">${xmlEscape(yLabel)}</text>`,
    ...inner,
    '</svg>',
    '',
  ].join('\n');
}

function legend(names: readonly string[]): string[] {
  return names.map(
    (n, i) =>
      `<rect x="${M.l + 10}" y="${M.t + 6 + i * 16}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>` +
      `<text x="${M.l + 25}" y="${M.t + 15 + i * 16}">${xmlEscape(n)}</text>`,
  );
}

/** Ticks for a log axis between lo and hi (powers of ten). */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

function linTicks(hi: number): number[] {
  if (!(hi > 0)) return [0];
  const step = 10 ** Math.floor(Math.log10(hi));
  const s = hi / step > 5 ? step * 2 : hi / step > 2 ? step : step / 2;
  const out: number[] = [];
  for (let v = 0; v <= hi * 1.0001; v += s) out.push(v);
  return out;
}

const tickText = (v: number) => (v >= 1000 ? `${v / 1000}k` : v >= 1 ? String(v) : String(+v.toPrecision(2)));

/**
 * Latency distributions as cumulative curves on a log time axis: one curve per series (e.g.
 * fleet-graph and its baseline), y = fraction of samples at or below x.
 */
export function svgCdf(opts: {
  title: string;
  xLabel: string;
  series: readonly { name: string; values: readonly number[] }[];
}): string {
  const all = opts.series.flatMap((s) => s.values).filter((v) => v > 0);
  const lo = all.length ? Math.min(...all) : 0.1;
  const hi = all.length ? Math.max(...all) : 1;
  const ticks = logTicks(lo, hi);
  const a = Math.log10(ticks[0]!);
  const b = Math.log10(ticks[ticks.length - 1]!);
  const x = (v: number) => M.l + ((Math.log10(Math.max(v, ticks[0]!)) - a) / (b - a || 1)) * (W - M.l - M.r);
  const y = (q: number) => H - M.b - q * (H - M.t - M.b);
  const inner: string[] = [];
  for (const t of ticks)
    inner.push(
      `<line x1="${f2(x(t))}" y1="${M.t}" x2="${f2(x(t))}" y2="${H - M.b}" stroke="#ddd"/><text x="${f2(x(t))}" y="${H - M.b + 15}" text-anchor="middle">${tickText(t)}</text>`,
    );
  for (const q of [0, 0.5, 0.99, 1])
    inner.push(
      `<line x1="${M.l}" y1="${f2(y(q))}" x2="${W - M.r}" y2="${f2(y(q))}" stroke="#eee"/><text x="${M.l - 5}" y="${f2(y(q) + 4)}" text-anchor="end">p${Math.round(q * 100)}</text>`,
    );
  opts.series.forEach((s, i) => {
    const pts = quantiles(s.values, 100).map(([q, v]) => `${f2(x(v))},${f2(y(q))}`);
    if (pts.length)
      inner.push(
        `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${pts.join(' ')}"/>`,
      );
  });
  inner.push(...legend(opts.series.map((s) => s.name)));
  return frame(opts.title, opts.xLabel, 'fraction of samples', inner);
}

/** Grouped bars (e.g. heap per BD at L and XL, fleet-graph against baseline), with an optional goal line. */
export function svgBars(opts: {
  title: string;
  yLabel: string;
  groups: readonly { label: string; bars: readonly { name: string; value: number }[] }[];
  goal?: { value: number; label: string } | undefined;
  log?: boolean;
}): string {
  const values = opts.groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => Number.isFinite(v));
  const top = Math.max(...values, opts.goal?.value ?? 0, 1) * 1.1;
  const ticks = opts.log
    ? logTicks(Math.max(1, Math.min(...values, opts.goal?.value ?? Infinity)), top)
    : linTicks(top);
  const lo = opts.log ? Math.log10(ticks[0]!) : 0;
  const hi = opts.log ? Math.log10(ticks[ticks.length - 1]!) : ticks[ticks.length - 1]!;
  const y = (v: number) => {
    const t = opts.log ? Math.log10(Math.max(v, ticks[0]!)) : v;
    return H - M.b - ((t - lo) / (hi - lo || 1)) * (H - M.t - M.b);
  };
  const names = [...new Set(opts.groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const gw = (W - M.l - M.r) / Math.max(1, opts.groups.length);
  const bw = (gw * 0.7) / Math.max(1, names.length);
  const inner: string[] = [];
  for (const t of ticks)
    inner.push(
      `<line x1="${M.l}" y1="${f2(y(t))}" x2="${W - M.r}" y2="${f2(y(t))}" stroke="#eee"/><text x="${M.l - 5}" y="${f2(y(t) + 4)}" text-anchor="end">${tickText(t)}</text>`,
    );
  opts.groups.forEach((g, gi) => {
    const x0 = M.l + gi * gw + gw * 0.15;
    g.bars.forEach((b) => {
      if (!Number.isFinite(b.value)) return;
      const i = names.indexOf(b.name);
      const x = x0 + i * bw;
      inner.push(
        `<rect x="${f2(x)}" y="${f2(y(b.value))}" width="${f2(bw * 0.9)}" height="${f2(H - M.b - y(b.value))}" fill="${COLORS[i % COLORS.length]}"/>` +
          `<text x="${f2(x + bw * 0.45)}" y="${f2(y(b.value) - 3)}" text-anchor="middle" font-size="10">${xmlEscape(num(b.value))}</text>`,
      );
    });
    inner.push(
      `<text x="${f2(M.l + gi * gw + gw / 2)}" y="${H - M.b + 15}" text-anchor="middle">${xmlEscape(g.label)}</text>`,
    );
  });
  if (opts.goal)
    inner.push(
      `<line x1="${M.l}" y1="${f2(y(opts.goal.value))}" x2="${W - M.r}" y2="${f2(y(opts.goal.value))}" stroke="#000" stroke-dasharray="6 4"/>` +
        `<text x="${W - M.r - 4}" y="${f2(y(opts.goal.value) - 4)}" text-anchor="end">${xmlEscape(opts.goal.label)}</text>`,
    );
  inner.push(...legend(names));
  return frame(opts.title, '', opts.yLabel, inner);
}

/** Lines through points (e.g. deliveries/s against subscribers), log x axis. */
export function svgLines(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly { name: string; points: readonly [number, number][] }[];
}): string {
  const xs = opts.series.flatMap((s) => s.points.map((p) => p[0])).filter((v) => v > 0);
  const ys = opts.series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => Number.isFinite(v));
  const xt = logTicks(xs.length ? Math.min(...xs) : 1, xs.length ? Math.max(...xs) : 10);
  const yt = linTicks(Math.max(...ys, 1) * 1.1);
  const a = Math.log10(xt[0]!);
  const b = Math.log10(xt[xt.length - 1]!);
  const x = (v: number) => M.l + ((Math.log10(v) - a) / (b - a || 1)) * (W - M.l - M.r);
  const y = (v: number) => H - M.b - (v / (yt[yt.length - 1]! || 1)) * (H - M.t - M.b);
  const inner: string[] = [];
  for (const t of xt)
    inner.push(
      `<line x1="${f2(x(t))}" y1="${M.t}" x2="${f2(x(t))}" y2="${H - M.b}" stroke="#eee"/><text x="${f2(x(t))}" y="${H - M.b + 15}" text-anchor="middle">${tickText(t)}</text>`,
    );
  for (const t of yt)
    inner.push(
      `<line x1="${M.l}" y1="${f2(y(t))}" x2="${W - M.r}" y2="${f2(y(t))}" stroke="#eee"/><text x="${M.l - 5}" y="${f2(y(t) + 4)}" text-anchor="end">${tickText(t)}</text>`,
    );
  opts.series.forEach((s, i) => {
    const pts = s.points.filter((p) => p[0] > 0 && Number.isFinite(p[1]));
    const color = COLORS[i % COLORS.length];
    inner.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${f2(x(p[0]))},${f2(y(p[1]))}`).join(' ')}"/>`,
      ...pts.map((p) => `<circle cx="${f2(x(p[0]))}" cy="${f2(y(p[1]))}" r="3" fill="${color}"/>`),
    );
  });
  inner.push(...legend(opts.series.map((s) => s.name)));
  return frame(opts.title, opts.xLabel, opts.yLabel, inner);
}

// ---------------------------------------------------------------------------------------------
// CPU profiles (node --cpu-prof): where the time goes

export interface CpuProfile {
  readonly nodes: readonly {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a frame's code lives: an npm package, a project file, Node itself, or the VM. */
export function codeOwner(url: string): string {
  if (url === '') return '(vm/native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node (core)';
  const src = url.indexOf('/src/');
  if (src >= 0)
    return url
      .slice(src + 1)
      .split('/')
      .slice(0, 3)
      .join('/');
  return url.split('/').slice(-1)[0]!;
}

/**
 * Self time by function and by owner (package or source folder), largest first, in ms; the
 * share of samples in each. `(idle)` and `(program)` are kept so the shares add up.
 */
export function profileSummary(p: CpuProfile, top = 25) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const fns = new Map<string, number>();
  const owners = new Map<string, number>();
  for (const [id, t] of self) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const name = `${f.functionName || '(anonymous)'} ${codeOwner(f.url)}:${f.lineNumber + 1}`;
    fns.set(name, (fns.get(name) ?? 0) + t);
    const owner = f.url === '' ? f.functionName || '(vm/native)' : codeOwner(f.url);
    owners.set(owner, (owners.get(owner) ?? 0) + t);
  }
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({
        name,
        ms: Math.round(ms),
        share: total ? Math.round((ms / total) * 1000) / 10 : 0,
      }));
  return { totalMs: Math.round(total), functions: rank(fns), owners: rank(owners) };
}
