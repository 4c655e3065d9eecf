/**
 * Combines the results of several benchmark runs into one table, for publishing when some goals
 * had to be re-run (a harness fix, a goal run on its own): each run's rows, notes, data and charts
 * are taken for the goals named after its directory (all when none), and every run's time and
 * machine load are kept in `runs`. A P3 XL store measurement (test/bench/store-memory.ts output)
 * can be added with --p3xl.
 *
 *   npx tsx test/bench/combine.ts OUT DIR[:P1,P5,…] … [--p3xl store-memory.json]
 *
 * Writes OUT/results.json, OUT/table.md and the charts.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { earlierResults, markdownTable, num, ratio, svgBars, type ResultRow } from './report.js';

const args = process.argv.slice(2);
const out = args.shift();
if (!out) {
  process.stderr.write('usage: npx tsx test/bench/combine.ts OUT DIR[:GOALS] … [--p3xl file.json]\n');
  process.exit(2);
}
let p3xl: string | undefined;
const dirs: { dir: string; goals?: Set<string> }[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--p3xl') {
    p3xl = args[++i];
    continue;
  }
  const [dir, g] = args[i]!.split(':');
  dirs.push({ dir: dir!, goals: g ? new Set(g.split(',')) : undefined });
}
const rows: ResultRow[] = [];
const notes: string[] = [];
const charts: Record<string, string> = {};
const runs: unknown[] = [];
const data: Record<string, unknown> = {};
for (const { dir, goals } of dirs) {
  const file = join(dir, 'results.json');
  // A run's, a merged run's or an earlier combination's results: each keeps the runs it came from.
  const r = earlierResults(JSON.parse(await readFile(file, 'utf8')), file);
  const take = (g: string) => !goals || goals.has(g);
  rows.push(...r.rows.filter((x) => take(x.goal)));
  notes.push(...r.notes.filter((n) => take(n.slice(0, 2))));
  for (const [k, v] of Object.entries(r.data)) if (take(k.slice(0, 2).toUpperCase())) data[k] = v;
  for (const f of await readdir(dir))
    if (f.endsWith('.svg') && take(f.slice(0, 2).toUpperCase()))
      charts[f] = await readFile(join(dir, f), 'utf8');
  for (const run of r.runs) {
    const kept = run.goals.filter(take);
    if (kept.length) runs.push({ at: run.at, goals: kept, machine: run.machine });
  }
}
if (p3xl) {
  const m = JSON.parse(await readFile(p3xl, 'utf8'));
  const r = m.storeHeapBytesPerBd / m.fullObjectHeapBytesPerBd;
  rows.push({
    goal: 'P3',
    metric: `heap per cached BD, store alone, XL (${num(m.bundleDeployments)} BDs)`,
    baseline: num(m.fullObjectHeapBytesPerBd, ' B'),
    fleetGraph: num(m.storeHeapBytesPerBd, ' B'),
    ratio: ratio(r),
    target: '≤ 1/20 and ≤ 250 B',
    met: r <= 1 / 20 && m.storeHeapBytesPerBd <= 250,
  });
  rows.push({
    goal: 'P3',
    metric: `store heap for ${num(m.bundleDeployments)} BDs`,
    baseline: num((m.fullObjectHeapBytesPerBd * m.bundleDeployments) / 2 ** 20, ' MiB'),
    fleetGraph: num(m.storeHeapBytesTotal / 2 ** 20, ' MiB'),
    ratio: ratio(m.storeHeapBytesTotal / (m.fullObjectHeapBytesPerBd * m.bundleDeployments)),
    target: '≤ 256 MiB',
    met: m.storeHeapBytesTotal <= 256 * 2 ** 20,
  });
  data['p3StoreXL'] = m;
  const l = data['p3StoreL'] as
    { storeHeapBytesPerBd: number; fullObjectHeapBytesPerBd: number; bundleDeployments: number } | undefined;
  charts['p3-heap.svg'] = svgBars({
    title: 'P3: retained heap per cached BundleDeployment',
    yLabel: 'bytes per BD (log)',
    log: true,
    groups: [
      ...(l
        ? [
            {
              label: `L (${num(l.bundleDeployments)} BDs)`,
              bars: [
                { name: 'fleet-graph store', value: l.storeHeapBytesPerBd },
                { name: 'full objects (client-node cache)', value: l.fullObjectHeapBytesPerBd },
              ],
            },
          ]
        : []),
      {
        label: `XL (${num(m.bundleDeployments)} BDs)`,
        bars: [
          { name: 'fleet-graph store', value: m.storeHeapBytesPerBd },
          { name: 'full objects (client-node cache)', value: m.fullObjectHeapBytesPerBd },
        ],
      },
    ],
    goal: { value: 250, label: 'goal 250 B' },
  });
}
rows.sort((a, b) => a.goal.localeCompare(b.goal));
await mkdir(out, { recursive: true });
await writeFile(join(out, 'results.json'), JSON.stringify({ runs, rows, notes, data }, null, 2) + '\n');
await writeFile(
  join(out, 'table.md'),
  markdownTable(rows) + '\n\n' + notes.map((n) => `- ${n}`).join('\n') + '\n',
);
for (const [f, svg] of Object.entries(charts)) await writeFile(join(out, f), svg);
console.log(markdownTable(rows));
console.log(JSON.stringify(runs, null, 1));
