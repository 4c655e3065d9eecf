/**
 * `npm run bench`: measures fleet-graph against the performance goals P1–P8
 * (shared notes, docs/performance-goals.md §5), each figure a ratio against a baseline measured in the same
 * run on the same machine. Every part runs in a process of its own — the API emulator, the
 * gateway, the writers, the clients (multiplexed) and the raw baselines — so each figure is paid
 * for by the process it describes.
 *
 *   npm run bench                  L = 1,000 clusters × 50 bundles, XL = 10,000 × 100 (budget: 10 min on an idle 2-core machine)
 *   npm run bench -- --quick       small sizes and short loops for development (budget: 2 min)
 *   npm run bench -- --only P1,P5  some goals only (P3 and P6 include XL unless --no-xl)
 *   npm run bench -- --only AUTH   what authenticating callers costs per request (auth.ts, ~1 min)
 *   npm run bench -- --only SECURITY   /healthz idle and under floods (security.ts, ~1 min)
 *   npm run bench -- --publish     also copy results.{json,md} and the charts to docs/performance/
 *   npm run bench -- --profile     CPU profiles of the gateway (node --cpu-prof) into the results dir
 *
 * Output (default .cache/bench/<time>/): results.json, results.md (the table) and SVG charts.
 * Pass/fail is information, never an exit code: the run exits 0 unless the harness itself fails.
 * Everything listens on 127.0.0.1; every loop is bounded in count and in time.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { SETTINGS } from '../../src/config.js';
import { AUTH_GOAL, authCost } from './auth.js';
import { SECURITY_GOAL, securityCost } from './security.js';
import { startChild, type Child } from './procs/ipc.js';
import { EVENTS_SUBSCRIPTION, SMALL_QUERY, STALE_SUBSCRIPTION, STATUS_QUERY } from './queries.js';
import type { LoadResult, RequestCounts } from './lib.js';
import {
  dist,
  markdownTable,
  median,
  num,
  quantiles,
  ratio,
  svgBars,
  svgCdf,
  svgLines,
  type Dist,
  type ResultRow,
} from './report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WORKSPACE = 'fleet-default';
const GITREPO = 'scale';
const PAGE_ROWS = 100;
/**
 * The auth measurement's fleet: small, to start quickly. A namespaced caller's cost grows with the
 * namespaces (one SubjectAccessReview per kind and namespace when nothing is cached).
 */
const AUTH_FLEET = { clusters: 200, bundles: 20 };
const GOALS = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', AUTH_GOAL, SECURITY_GOAL] as const;

// ---------------------------------------------------------------------------------------------
// Settings

interface Settings {
  quick: boolean;
  goals: Set<string>;
  xl: boolean;
  L: { clusters: number; bundles: number };
  XL: { clusters: number; bundles: number };
  p1Samples: number;
  p5Seconds: number;
  reps: number;
  coldReps: number;
  p2Subscribers: number;
  p2Events: number;
  p2Rate: number;
  fanout: number[];
  fanoutEvents: number;
  p6Clients: number;
  p7: { clusters: number; bundles: number };
  p8Writes: number;
  p8Rate: number;
  p8Subscribers: number;
  outDir: string;
  publish: boolean;
  profile: boolean;
  /** A results directory whose other goals this run's results are merged with. */
  merge: string | undefined;
}

const USAGE = `Usage: npm run bench -- [--quick] [--only P1,P2,…] [--no-xl] [--publish] [--profile] [--out DIR]
                        [--clusters N --bundles M] [--subscribers N] [--fanout N,N,…]
  --quick          small sizes, short loops (budget 2 min); also BENCH_QUICK=1
  --only LIST      goals to run, from P1…P8, AUTH and SECURITY (default all)
  --no-xl          leave out the XL fleet (P3, P6)
  --publish        copy the results and charts to docs/performance/
  --profile        write CPU profiles of the gateway process (node --cpu-prof) to <out>/profiles
  --out DIR        results directory (default .cache/bench/<time>)
  --merge DIR      keep the other goals' results (rows, notes, charts) of the run in DIR
  --clusters N, --bundles M   size of L (default 1000 × 50; quick 200 × 20)
  --subscribers N  P2 subscribers (default 1000; quick 200)
  --fanout LIST    P4 subscriber counts (default 100,1000,10000; quick 100,1000)`;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number, got ${raw}`);
  return n;
}

function parseSettings(argv: string[]): Settings | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'no-xl': { type: 'boolean', default: false },
      publish: { type: 'boolean', default: false },
      merge: { type: 'string' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
      clusters: { type: 'string' },
      bundles: { type: 'string' },
      subscribers: { type: 'string' },
      fanout: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return undefined;
  }
  const quick = values.quick || process.env['BENCH_QUICK'] === '1';
  const goals = new Set(
    (values.only ?? GOALS.join(','))
      .split(',')
      .map((s) => s.trim().toUpperCase())
      .map((s) => (/^\d$/.test(s) ? `P${s}` : s)),
  );
  for (const g of goals)
    if (!(GOALS as readonly string[]).includes(g)) throw new Error(`--only: unknown goal ${g}`);
  const fanout = (values.fanout ?? (quick ? '100,1000' : '100,1000,10000'))
    .split(',')
    .map((s) => positive('fanout', s.trim(), 1));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    quick,
    goals,
    xl: !values['no-xl'],
    L: {
      clusters: positive('clusters', values.clusters, quick ? 200 : 1000),
      bundles: positive('bundles', values.bundles, quick ? 20 : 50),
    },
    XL: quick ? { clusters: 2000, bundles: 50 } : { clusters: 10_000, bundles: 100 },
    p1Samples: quick ? 16 : 20,
    p5Seconds: quick ? 1.5 : 3,
    reps: quick ? 2 : 3,
    coldReps: quick ? 1 : 3,
    p2Subscribers: positive('subscribers', values.subscribers, quick ? 200 : 1000),
    p2Events: 100,
    p2Rate: 100,
    fanout,
    fanoutEvents: quick ? 10 : 20,
    p6Clients: quick ? 200 : 1000,
    p7: quick ? { clusters: 20, bundles: 20 } : { clusters: 50, bundles: 50 },
    p8Writes: quick ? 500 : 2500,
    p8Rate: 200,
    p8Subscribers: quick ? 50 : 100,
    outDir: resolve(ROOT, values.out ?? `.cache/bench/${stamp}`),
    publish: values.publish,
    merge: values.merge === undefined ? undefined : resolve(ROOT, values.merge),
    profile: values.profile,
  };
}

// ---------------------------------------------------------------------------------------------
// Results

const rows: ResultRow[] = [];
const notes: string[] = [];
const data: Record<string, unknown> = {};
const charts: Record<string, string> = {};

function log(message: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function row(r: ResultRow) {
  rows.push(r);
  log(
    `${r.goal} ${r.metric}: fleet-graph ${r.fleetGraph}, baseline ${r.baseline}, ${r.ratio} (${r.target}) ${r.met === undefined ? '' : r.met ? 'met' : 'NOT met'}`,
  );
}

function notMeasured(goal: string, metric: string, why: string) {
  row({ goal, metric, baseline: '', fleetGraph: `not measured: ${why}`, ratio: '', target: '', met: false });
}

const ms = (x: number) => num(x, ' ms');
const bytes = (x: number) => (x >= 2 ** 20 ? num(x / 2 ** 20, ' MiB') : num(x, ' B'));

// ---------------------------------------------------------------------------------------------
// Processes

interface Env {
  emulator: Child;
  kubeconfig: string;
  url: string;
  token: string;
}

let tmp = '';
const running = new Set<Child>();

async function child(script: string, args: string[], execArgv: string[] = [], startTimeoutMs = 120_000) {
  const c = await startChild(script, args, { execArgv, startTimeoutMs });
  running.add(c);
  return c;
}

async function stop(c: Child | undefined) {
  if (!c) return;
  running.delete(c);
  await c.stop().catch(() => undefined);
}

async function startEmulator(opts: {
  mode: 'scale' | 'bulk';
  clusters: number;
  bundles: number;
  controllers?: boolean;
  cleanup?: 'prompt' | 'legacy';
  tokenAuthFile?: string;
  objects?: unknown[];
}): Promise<Env> {
  const kubeconfig = join(tmp, `kubeconfig-${Date.now()}.json`);
  const heap = opts.clusters * opts.bundles > 200_000 ? ['--max-old-space-size=6144'] : [];
  const emulator = await child(
    'emulator',
    [
      JSON.stringify({
        mode: opts.mode,
        clusters: opts.clusters,
        bundles: opts.bundles,
        controllers: opts.controllers ?? false,
        cleanup: opts.cleanup ?? 'prompt',
        kubeconfig,
        tokenAuthFile: opts.tokenAuthFile,
        objects: opts.objects,
      }),
    ],
    heap,
    600_000,
  );
  return { emulator, kubeconfig, url: String(emulator.hello['url']), token: String(emulator.hello['token']) };
}

/**
 * Limits raised so that every subscriber and connection of the benchmark, all from one loopback
 * address and one (anonymous) caller, is admitted; only the settings this version has are passed.
 */
function gatewayLimitFlags(): string[] {
  const wanted: Record<string, string> = {
    'connections-per-client': '20000',
    'subscriptions-per-connection': '100',
    'subscriber-queue': '100000',
    'streams-per-address': '100000',
    'streams-per-identity': '100000',
    'max-subscriptions': '100000',
  };
  return Object.entries(wanted).flatMap(([k, v]) => (Object.hasOwn(SETTINGS, k) ? [`--${k}`, v] : []));
}

let profileN = 0;
async function startGatewayProc(
  s: Settings,
  env: Pick<Env, 'kubeconfig'>,
  big = false,
  flags: string[] = [],
): Promise<Child> {
  const execArgv = ['--expose-gc', ...(big ? ['--max-old-space-size=4096'] : [])];
  // One directory per gateway process: Node writes a profile per thread (the module loader's
  // thread too), named by pid and thread id; the gateway's is the main thread's (the biggest).
  if (s.profile)
    execArgv.push('--cpu-prof', '--cpu-prof-dir', join(s.outDir, 'profiles', `gateway-${++profileN}`));
  return child('gateway', [env.kubeconfig, ...gatewayLimitFlags(), ...flags], execArgv, 900_000);
}

const graphqlBody = (query: string, variables: Record<string, unknown>) =>
  JSON.stringify({ query, variables });

const countsText = (c: RequestCounts) => `${c.total} (${c.list} LIST, ${c.watch} WATCH, ${c.other} other)`;

// ---------------------------------------------------------------------------------------------
// P3: heap per cached BD, store in isolation (store-memory.ts in a child with --expose-gc)

interface StoreMemoryOutput {
  bundleDeployments: number;
  baselineBundleDeployments: number;
  jsonBytesPerBd: number;
  fullObjectHeapBytesPerBd: number;
  storeHeapBytesPerBd: number;
  storeHeapBytesTotal: number;
  ingestUsPerBd: number;
  check: string;
}

function runStoreMemory(count: number, baseCount: number, timeoutMs: number): Promise<StoreMemoryOutput> {
  const script = join(ROOT, 'test/bench/store-memory.ts');
  return new Promise((resolveP, reject) => {
    const c = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--max-old-space-size=6144',
        '--import',
        'tsx',
        script,
        String(count),
        String(baseCount),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('error', reject);
    c.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0)
        return reject(new Error(`store-memory exited with ${code ?? signal}: ${err.trim().slice(-300)}`));
      try {
        resolveP(JSON.parse(out.slice(out.indexOf('{'))) as StoreMemoryOutput);
      } catch (e) {
        reject(new Error(`cannot parse store-memory output: ${(e as Error).message}`));
      }
    });
  });
}

const heapPerBd: { label: string; store: number; full: number }[] = [];

async function storeMemory(label: string, count: number) {
  log(`P3: store heap with ${count} synthetic BDs (${label}) in a child process`);
  try {
    const m = await runStoreMemory(count, Math.min(count, 100_000), 600_000);
    const r = m.storeHeapBytesPerBd / m.fullObjectHeapBytesPerBd;
    heapPerBd.push({ label, store: m.storeHeapBytesPerBd, full: m.fullObjectHeapBytesPerBd });
    row({
      goal: 'P3',
      metric: `heap per cached BD, store alone, ${label} (${num(count)} BDs)`,
      baseline: bytes(m.fullObjectHeapBytesPerBd),
      fleetGraph: bytes(m.storeHeapBytesPerBd),
      ratio: ratio(r),
      target: '≤ 1/20 and ≤ 250 B',
      met: r <= 1 / 20 && m.storeHeapBytesPerBd <= 250,
    });
    if (count >= 1_000_000)
      row({
        goal: 'P3',
        metric: `store heap for ${num(count)} BDs`,
        baseline: bytes(m.fullObjectHeapBytesPerBd * count),
        fleetGraph: bytes(m.storeHeapBytesTotal),
        ratio: ratio(m.storeHeapBytesTotal / (m.fullObjectHeapBytesPerBd * count)),
        target: '≤ 256 MiB',
        met: m.storeHeapBytesTotal <= 256 * 2 ** 20,
      });
    data[`p3Store${label}`] = m;
  } catch (e) {
    notMeasured('P3', `heap per cached BD, store alone, ${label}`, (e as Error).message);
  }
}

// ---------------------------------------------------------------------------------------------
// P6 (cold start) and the gateway's own heap, for one fleet size

interface GatewayHello {
  url: string;
  syncMs: number;
  memory: { heapUsed: number; rss: number };
}

async function coldStart(
  s: Settings,
  env: Env,
  label: string,
  bds: number,
  reps: number,
  big: boolean,
  record: boolean,
) {
  const cold: {
    gateway: number[];
    baseline: number[];
    gwCounts: RequestCounts[];
    baseCounts: RequestCounts[];
  } = {
    gateway: [],
    baseline: [],
    gwCounts: [],
    baseCounts: [],
  };
  let gateway: Child | undefined;
  let objects = 0;
  for (let i = 0; i < reps; i++) {
    log(`P6 ${label}: bare paged LIST in a fresh process (${i + 1}/${reps})`);
    const lister = await child('clients', [], big ? ['--max-old-space-size=4096'] : []);
    await env.emulator.call('counts');
    try {
      const r = await lister.call<{ ms: number; objects: number }>('coldList', {
        kubeconfig: env.kubeconfig,
        pageSize: 500,
      });
      cold.baseline.push(r.ms);
      objects = r.objects;
    } finally {
      await stop(lister);
    }
    cold.baseCounts.push(await env.emulator.call<RequestCounts>('counts'));
    log(`P6 ${label}: gateway start → synced (${i + 1}/${reps})`);
    await stop(gateway);
    gateway = await startGatewayProc(s, env, big);
    cold.gateway.push(Number(gateway.hello['syncMs']));
    cold.gwCounts.push(await env.emulator.call<RequestCounts>('counts'));
  }
  const g = median(cold.gateway);
  const b = median(cold.baseline);
  const mem = await gateway!.call<{ heapUsed: number; rss: number }>('memory');
  data[`p6Cold${label}`] = { ...cold, objects, bds, gatewayMemory: mem };
  if (!record) return { gateway: gateway!, memory: mem, hello: gateway!.hello as unknown as GatewayHello };
  row({
    goal: 'P6',
    metric: `cold start → synced, ${label} (${num(objects)} objects, median of ${reps})`,
    baseline: ms(b),
    fleetGraph: ms(g),
    ratio: ratio(g / b),
    target: '≤ 1.5×',
    met: g / b <= 1.5,
  });
  row({
    goal: 'P6',
    metric: `apiserver requests to sync, ${label}`,
    baseline: countsText(cold.baseCounts[cold.baseCounts.length - 1]!),
    fleetGraph: countsText(cold.gwCounts[cold.gwCounts.length - 1]!),
    ratio: '',
    target: 'one LIST (+pages) and WATCH per kind',
    met: undefined,
  });
  return { gateway: gateway!, memory: mem, hello: gateway!.hello as unknown as GatewayHello };
}

// ---------------------------------------------------------------------------------------------
// P1

async function p1(s: Settings, clients: Child, env: Env, gwUrl: string) {
  log(`P1: status page, ${s.p1Samples} samples each side, interleaved, answers compared`);
  const r = await clients.call<{
    gateway: number[];
    baseline: number[];
    compared: number;
    differences: string[];
    bytes: number;
  }>('p1', {
    gatewayUrl: gwUrl,
    kubeconfig: env.kubeconfig,
    workspace: WORKSPACE,
    gitRepo: GITREPO,
    rows: PAGE_ROWS,
    samples: s.p1Samples,
    warmup: 2,
  });
  const g = dist(r.gateway);
  const b = dist(r.baseline);
  const agree = r.differences.length === 0;
  row({
    goal: 'P1',
    metric: `status page p99 (${r.compared} samples each side)`,
    baseline: ms(b.p99),
    fleetGraph: ms(g.p99),
    ratio: ratio(g.p99 / b.p99),
    target: '≤ 1/100, answers equal',
    met: agree && g.p99 / b.p99 <= 1 / 100,
  });
  row({
    goal: 'P1',
    metric: 'status page p50',
    baseline: ms(b.p50),
    fleetGraph: ms(g.p50),
    ratio: ratio(g.p50 / b.p50),
    target: '',
    met: undefined,
  });
  row({
    goal: 'P1',
    metric: 'status page p99, absolute',
    baseline: '',
    fleetGraph: ms(g.p99),
    ratio: '',
    target: '≤ 10 ms',
    met: agree && g.p99 <= 10,
  });
  row({
    goal: 'P1',
    metric: 'answers compared',
    baseline: `${r.compared}`,
    fleetGraph: agree ? 'all equal' : `${r.differences.length} difference(s)`,
    ratio: '',
    target: 'no difference',
    met: agree,
  });
  if (!agree) notes.push(`P1 differences (first ${r.differences.length}): ${r.differences.join('; ')}`);
  if (r.compared < 100)
    notes.push(`P1: p99 of ${r.compared} samples is their maximum on both sides (nearest rank)`);
  data['p1'] = {
    gateway: g,
    baseline: b,
    differences: r.differences,
    responseBytes: r.bytes,
    gatewayQ: quantiles(r.gateway, 101),
    baselineQ: quantiles(r.baseline, 101),
  };
  charts['p1-latency.svg'] = svgCdf({
    title: 'P1: GitRepo status page latency',
    xLabel: 'ms (log)',
    series: [
      { name: 'fleet-graph query', values: r.gateway },
      { name: 'client-node LIST and join', values: r.baseline },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// P5

async function p5(s: Settings, clients: Child, raw: Child, gwUrl: string) {
  const body = graphqlBody(SMALL_QUERY, { name: GITREPO, namespace: WORKSPACE });
  const first = await clients.call<{ status: number; body: string }>('post', { url: gwUrl, body });
  if (first.status !== 200 || first.body.includes('"errors"'))
    return notMeasured('P5', 'cached reads', `query failed: ${first.body.slice(0, 200)}`);
  await raw.call('setBody', { body: first.body });
  const out: Record<string, { gateway: LoadResult[]; raw: LoadResult[] }> = {};
  for (const connections of [1, 32]) {
    out[connections] = { gateway: [], raw: [] };
    for (let rep = 0; rep < s.reps; rep++) {
      log(`P5: ${connections} connection(s), rep ${rep + 1}/${s.reps}, ${s.p5Seconds} s each side`);
      const bounds = { connections, ms: s.p5Seconds * 1000, warmupMs: 300, maxRequests: 500_000 };
      out[connections].raw.push(
        await clients.call<LoadResult>('load', { url: String(raw.hello['httpUrl']), body, ...bounds }),
      );
      out[connections].gateway.push(await clients.call<LoadResult>('load', { url: gwUrl, body, ...bounds }));
    }
  }
  const med = (xs: LoadResult[], f: (x: LoadResult) => number) => median(xs.map(f));
  const one = out[1]!;
  const many = out[32]!;
  const thr = (x: number) => num(x, ' req/s');
  const g32 = med(many.gateway, (x) => x.reqPerSec);
  const r32 = med(many.raw, (x) => x.reqPerSec);
  const g1 = med(one.gateway, (x) => x.p50Ms);
  const r1 = med(one.raw, (x) => x.p50Ms);
  row({
    goal: 'P5',
    metric: `throughput, 32 connections (median of ${s.reps})`,
    baseline: thr(r32),
    fleetGraph: thr(g32),
    ratio: ratio(g32 / r32),
    target: '≥ 0.5×',
    met: g32 / r32 >= 0.5,
  });
  row({
    goal: 'P5',
    metric: `p50, 1 connection (median of ${s.reps})`,
    baseline: ms(r1),
    fleetGraph: ms(g1),
    ratio: ratio(g1 / r1),
    target: '≤ 1.5×',
    met: g1 / r1 <= 1.5,
  });
  row({
    goal: 'P5',
    metric: 'throughput, 1 connection',
    baseline: thr(med(one.raw, (x) => x.reqPerSec)),
    fleetGraph: thr(med(one.gateway, (x) => x.reqPerSec)),
    ratio: ratio(med(one.gateway, (x) => x.reqPerSec) / med(one.raw, (x) => x.reqPerSec)),
    target: '',
    met: undefined,
  });
  notes.push(
    `P5: query \`gitRepo { name status { readyClusters desiredReadyClusters } }\`, ${first.body.length} B response; the raw server answers the same bytes; closed loop, keep-alive`,
  );
  data['p5'] = out;
}

// ---------------------------------------------------------------------------------------------
// P6: apiserver requests with 1 and with many clients

async function p6Clients(s: Settings, clients: Child, env: Env, gwUrl: string) {
  const body = graphqlBody(STATUS_QUERY, { name: GITREPO, namespace: WORKSPACE, first: PAGE_ROWS });
  await env.emulator.call('counts');
  log('P6: apiserver requests while 1 client queries');
  const oneQueries = Math.min(200, s.p6Clients);
  await clients.call('manyClients', { url: gwUrl, body, clients: 1, each: oneQueries });
  const one = await env.emulator.call<RequestCounts>('counts');
  log(`P6: apiserver requests while ${s.p6Clients} clients query`);
  const many = await clients.call<{ errors: number }>('manyClients', {
    url: gwUrl,
    body,
    clients: s.p6Clients,
    each: 1,
  });
  const lots = await env.emulator.call<RequestCounts>('counts');
  // Watches are renewed on a timer (the server ends each one after a few minutes), whatever the
  // clients do: what clients could cause is LISTs and GETs.
  const caused = (c: RequestCounts) => c.list + c.other;
  const r = caused(one) === 0 ? (caused(lots) === 0 ? 1 : Infinity) : caused(lots) / caused(one);
  row({
    goal: 'P6',
    metric: `apiserver LISTs and GETs, ${s.p6Clients} clients (1 query each) vs 1 client (${oneQueries} queries)`,
    baseline: countsText(one),
    fleetGraph: `${countsText(lots)}${many.errors ? `; ${many.errors} queries failed` : ''}`,
    ratio: ratio(r),
    target: '1.0×, no query failed',
    met: r <= 1 && many.errors === 0,
  });
  data['p6Clients'] = { one, many: lots, errors: many.errors };
}

// ---------------------------------------------------------------------------------------------
// P2 and P4: subscribers in the clients process, writes from the writer process

async function p2(s: Settings, clients: Child, writer: Child, env: Env, gwUrl: string) {
  const wsUrl = gwUrl.replace(/^http/, 'ws');
  log(`P2: ${s.p2Subscribers} subscribers, ${s.p2Events} BD status writes at ${s.p2Rate}/s`);
  await clients.call('watch', {
    kubeconfig: env.kubeconfig,
    kind: 'bd',
    resourceVersion: await env.emulator.call<string>('resourceVersion'),
  });
  const c = await clients.call<{ open: number; failed: number; firstError: string; ms: number }>('connect', {
    url: wsUrl,
    n: s.p2Subscribers,
    mode: 'rv',
    query: EVENTS_SUBSCRIPTION,
    variables: { gitRepo: GITREPO },
  });
  if (c.open < s.p2Subscribers)
    notes.push(`P2: ${c.failed} of ${s.p2Subscribers} subscribers failed to connect: ${c.firstError}`);
  // Warm-up until every subscription delivers.
  const warm = await writer.call<{ rvs: string[] }>('write', { count: 1, from: 0, rate: 0, inflight: 1 });
  await clients.call('waitFor', { rvs: warm.rvs, perRv: c.open, timeoutMs: 30_000 });
  await clients.call('reset');
  const w = await writer.call<{ rvs: string[]; seconds: number }>('write', {
    count: s.p2Events,
    from: 1,
    rate: s.p2Rate,
    inflight: 1,
  });
  await clients.call('waitFor', { rvs: w.rvs, perRv: c.open, timeoutMs: 60_000 });
  const r = await clients.call<{
    deliveries: number;
    watchEvents: number;
    extra: Dist;
    extraQ: number[];
    problems: unknown;
  }>('collect', { rvs: w.rvs });
  const expected = w.rvs.length * c.open;
  row({
    goal: 'P2',
    metric: `push after raw watch p50 (${c.open} subscribers, ${s.p2Rate} events/s)`,
    baseline: '0 (raw watch)',
    fleetGraph: ms(r.extra.p50),
    ratio: '',
    target: '≤ 1 ms',
    met: r.extra.p50 <= 1,
  });
  row({
    goal: 'P2',
    metric: 'push after raw watch p99',
    baseline: '0 (raw watch)',
    fleetGraph: ms(r.extra.p99),
    ratio: '',
    target: '≤ 5 ms',
    met: r.extra.p99 <= 5,
  });
  row({
    goal: 'P2',
    metric: 'deliveries',
    baseline: `${r.watchEvents}/${w.rvs.length} watch events`,
    fleetGraph: `${r.deliveries}/${expected}`,
    ratio: '',
    target: 'all',
    met: r.deliveries === expected,
  });
  data['p2'] = { subscribers: c, writes: w.rvs.length, sendSeconds: w.seconds, ...r };
  charts['p2-push.svg'] = svgCdf({
    title: `P2: gateway push after the raw watch, ${c.open} subscribers`,
    xLabel: 'ms after the raw watch saw the change (log)',
    series: [{ name: 'fleet-graph subscriber', values: r.extraQ.filter((x) => x > 0) }],
  });
  await clients.call('disconnect');
}

async function p4(s: Settings, clients: Child, writer: Child, raw: Child, env: Env, gwUrl: string) {
  const wsUrl = gwUrl.replace(/^http/, 'ws');
  const ladder: {
    n: number;
    gateway: number;
    raw: number;
    gwP95: number;
    rawP95: number;
    complete: boolean;
    events: number;
  }[] = [];
  let from = 10_000;
  let messageBytes = 0;
  await clients.call('watch', {
    kubeconfig: env.kubeconfig,
    kind: 'bd',
    resourceVersion: await env.emulator.call<string>('resourceVersion'),
  });
  for (const n of s.fanout) {
    log(`P4: ${n} subscribers`);
    const c = await clients.call<{ open: number; failed: number; firstError: string; ms: number }>(
      'connect',
      {
        url: wsUrl,
        n,
        mode: 'rv',
        query: EVENTS_SUBSCRIPTION,
        variables: { gitRepo: GITREPO },
      },
      600_000,
    );
    if (c.failed > 0) notes.push(`P4: ${c.failed} of ${n} subscribers failed to connect: ${c.firstError}`);
    const warm = await writer.call<{ rvs: string[] }>('write', { count: 1, from: 0, rate: 0, inflight: 1 });
    await clients.call('waitFor', { rvs: warm.rvs, perRv: c.open, timeoutMs: 60_000 });
    // Bursts of at most 50,000 deliveries each, so 10,000 subscribers stay within the time budget.
    const events = Math.max(3, Math.min(s.fanoutEvents, Math.floor(50_000 / Math.max(1, c.open))));
    const gw: { perSec: number; p95: number; complete: boolean }[] = [];
    for (let rep = 0; rep < s.reps; rep++) {
      await clients.call('reset');
      const w = await writer.call<{ rvs: string[] }>('write', {
        count: events,
        from,
        rate: 0,
        inflight: 8,
      });
      from += events;
      const done = await clients.call<{ done: boolean }>('waitFor', {
        rvs: w.rvs,
        perRv: c.open,
        timeoutMs: 120_000,
      });
      const r = await clients.call<{ perSec: number; extra: Dist; deliveries: number; messageBytes: number }>(
        'collect',
        { rvs: w.rvs },
      );
      messageBytes ||= r.messageBytes;
      gw.push({
        perSec: r.perSec,
        p95: r.extra.p95,
        complete: done.done && r.deliveries === w.rvs.length * c.open,
      });
    }
    await clients.call('disconnect');
    log(`P4: raw ws, ${n} clients`);
    await clients.call('connect', { url: String(raw.hello['wsUrl']), n, mode: 'raw' }, 600_000);
    const rw: { perSec: number; p95: number }[] = [];
    for (let rep = 0; rep < s.reps; rep++) {
      await clients.call('reset');
      await raw.call('broadcast', { events, bytes: messageBytes || 300 });
      await clients.call('waitFor', { expected: events * n, timeoutMs: 60_000 });
      const r = await clients.call<{ perSec: number; latency: Dist }>('collectRaw');
      rw.push({ perSec: r.perSec, p95: r.latency.p95 });
    }
    await clients.call('disconnect');
    ladder.push({
      n: c.open,
      gateway: median(gw.map((x) => x.perSec)),
      raw: median(rw.map((x) => x.perSec)),
      gwP95: median(gw.map((x) => x.p95)),
      rawP95: median(rw.map((x) => x.p95)),
      complete: gw.every((x) => x.complete),
      events,
    });
  }
  for (const l of ladder) {
    const top = l === ladder[ladder.length - 1];
    row({
      goal: 'P4',
      metric: `deliveries/s at ${num(l.n)} subscribers (median of ${s.reps} bursts of ${l.events} events)`,
      baseline: num(l.raw, '/s'),
      fleetGraph: num(l.gateway, '/s'),
      ratio: ratio(l.gateway / l.raw),
      target: '≥ 0.8×',
      met: l.complete && l.gateway / l.raw >= 0.8,
    });
    if (top)
      row({
        goal: 'P4',
        metric: `delivery p95 at ${num(l.n)} subscribers (after raw watch; raw: after send)`,
        baseline: ms(l.rawP95),
        fleetGraph: ms(l.gwP95),
        ratio: ratio(l.gwP95 / l.rawP95),
        target: '≤ 100 ms',
        met: l.complete && l.gwP95 <= 100 && l.n >= 10_000,
      });
  }
  data['p4'] = { ladder, messageBytes };
  charts['p4-fanout.svg'] = svgLines({
    title: 'P4: fan-out, deliveries per second',
    xLabel: 'subscribers (log)',
    yLabel: 'deliveries / s',
    series: [
      { name: 'fleet-graph (graphql-ws)', points: ladder.map((l) => [l.n, l.gateway]) },
      { name: 'raw ws, pre-serialized', points: ladder.map((l) => [l.n, l.raw]) },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// P8: tail under churn

async function p8(s: Settings, clients: Child, writer: Child, gateway: Child, gwUrl: string) {
  const body = graphqlBody(STATUS_QUERY, { name: GITREPO, namespace: WORKSPACE, first: PAGE_ROWS });
  const seconds = s.p8Writes / s.p8Rate;
  const c = await clients.call<{ open: number }>('connect', {
    url: gwUrl.replace(/^http/, 'ws'),
    n: s.p8Subscribers,
    mode: 'rv',
    query: EVENTS_SUBSCRIPTION,
    variables: { gitRepo: GITREPO },
  });
  log(`P8: idle, ${seconds} s of sequential status queries`);
  await gateway.call('lagReset');
  const idle = await clients.call<{ latencies: number[]; errors: number }>('queryLoop', {
    url: gwUrl,
    body,
    ms: seconds * 1000,
    maxCount: 100_000,
  });
  const idleLag = await gateway.call<{ p99: number; max: number }>('lag');
  log(`P8: churn, ${s.p8Writes} BD status writes at ${s.p8Rate}/s while querying`);
  await clients.call('reset');
  await gateway.call('lagReset');
  const writes = writer.call<{ rvs: string[] }>('write', {
    count: s.p8Writes,
    from: 20_000,
    rate: s.p8Rate,
    inflight: 1,
  });
  const busy = await clients.call<{ latencies: number[]; errors: number; firstError: string }>('queryLoop', {
    url: gwUrl,
    body,
    ms: seconds * 1000,
    maxCount: 100_000,
  });
  const w = await writes;
  const busyLag = await gateway.call<{ p99: number; max: number }>('lag');
  await clients.call('waitFor', { rvs: w.rvs, perRv: c.open, timeoutMs: 60_000 });
  const got = await clients.call<{
    deliveries: number;
    problems: { errors: number; completes: number; closed: number; resync: number };
  }>('collect', { rvs: w.rvs });
  await clients.call('disconnect');
  const i = dist(idle.latencies);
  const b = dist(busy.latencies);
  row({
    goal: 'P8',
    metric: `status query p99 under churn vs idle (${b.n} / ${i.n} samples)`,
    baseline: ms(i.p99),
    fleetGraph: ms(b.p99),
    ratio: ratio(b.p99 / i.p99),
    target: '≤ 2×',
    met: b.p99 / i.p99 <= 2,
  });
  row({
    goal: 'P8',
    metric: 'gateway event-loop delay p99 under churn',
    baseline: ms(idleLag.p99),
    fleetGraph: ms(busyLag.p99),
    ratio: '',
    target: '≤ 10 ms',
    met: busyLag.p99 <= 10,
  });
  const expected = w.rvs.length * c.open;
  const p = got.problems;
  row({
    goal: 'P8',
    metric: `subscribers kept (${c.open}), deliveries`,
    baseline: '',
    fleetGraph: `${got.deliveries}/${expected}; ${p.closed} dropped, ${p.resync} resync, ${p.errors} errors`,
    ratio: '',
    target: 'none dropped or resynced',
    met:
      got.deliveries === expected && p.closed === 0 && p.resync === 0 && p.errors === 0 && p.completes === 0,
  });
  row({
    goal: 'P8',
    metric: 'status queries failed under churn',
    baseline: `${idle.errors} idle`,
    fleetGraph: `${busy.errors}`,
    ratio: '',
    target: 'none',
    met: busy.errors === 0,
  });
  if (busy.errors > 0) notes.push(`P8: first failed query under churn: ${busy.firstError}`);
  data['p8'] = {
    idle: i,
    churn: b,
    idleLag,
    busyLag,
    deliveries: got.deliveries,
    expected,
    problems: p,
    errors: { idle: idle.errors, churn: busy.errors },
  };
  charts['p8-churn.svg'] = svgCdf({
    title: 'P8: status query latency, idle and under churn',
    xLabel: 'ms (log)',
    series: [
      { name: `under churn (${s.p8Rate} writes/s)`, values: busy.latencies },
      { name: 'idle', values: idle.latencies },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// P7: a target edit; each orphan's STALE finding against the raw watch's Bundle change

async function p7(s: Settings) {
  const { clusters, bundles } = s.p7;
  log(`P7: emulator with the simulated Fleet (legacy cleanup), ${clusters} × ${bundles}`);
  const env = await startEmulator({ mode: 'scale', clusters, bundles, controllers: true, cleanup: 'legacy' });
  let gateway: Child | undefined;
  let clients: Child | undefined;
  let writer: Child | undefined;
  try {
    gateway = await startGatewayProc(s, env);
    const gwUrl = String(gateway.hello['url']);
    clients = await child('clients', []);
    writer = await child('writer', [JSON.stringify({ url: env.url, token: env.token })]);
    await clients.call('watch', {
      kubeconfig: env.kubeconfig,
      kind: 'bundle',
      resourceVersion: await env.emulator.call<string>('resourceVersion'),
    });
    await clients.call('connect', {
      url: gwUrl.replace(/^http/, 'ws'),
      n: 1,
      mode: 'finding',
      query: STALE_SUBSCRIPTION,
      variables: { gitRepo: GITREPO },
    });
    // Let the controllers settle on the seeded, converged fleet before the edit.
    await new Promise((r) => setTimeout(r, 2000));
    await clients.call('reset');
    // Keep only the `prod` clusters (every third): the others' deployments become orphans.
    const kept = Math.ceil(clusters / 3);
    const orphans = (clusters - kept) * bundles;
    log(`P7: retarget to env=prod, expecting ${orphans} stale deployments`);
    await writer.call('retarget', {
      namespace: WORKSPACE,
      name: GITREPO,
      targets: [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }],
    });
    const done = await clients.call<{ done: boolean }>('waitFor', { findings: orphans, timeoutMs: 60_000 });
    const f = await clients.call<{
      findings: { at: number; type: string; bundle: string }[];
      bundleAt: Record<string, number>;
    }>('findings');
    const appeared = f.findings.filter((x) => x.type === 'APPEARED');
    const lat = appeared
      .filter((x) => f.bundleAt[x.bundle] !== undefined)
      .map((x) => x.at - f.bundleAt[x.bundle]!);
    const d = dist(lat);
    row({
      goal: 'P7',
      metric: `target edit → each orphan flagged STALE, after raw watch of its Bundle (${appeared.length} orphans)`,
      baseline: '0 (raw watch)',
      fleetGraph: `p50 ${ms(d.p50)}, p99 ${ms(d.p99)}`,
      ratio: '',
      target: 'p99 ≤ 100 ms',
      met: done.done && appeared.length >= orphans && d.p99 <= 100,
    });
    row({
      goal: 'P7',
      metric: 'orphans flagged',
      baseline: `${orphans} expected`,
      fleetGraph: `${appeared.length}`,
      ratio: '',
      target: 'all',
      met: appeared.length >= orphans,
    });
    data['p7'] = {
      clusters,
      bundles,
      orphans,
      flagged: appeared.length,
      latency: d,
      latencyQ: quantiles(lat, 101),
    };
    charts['p7-stale.svg'] = svgCdf({
      title: 'P7: orphan flagged stale, after the raw watch',
      xLabel: 'ms (log)',
      series: [{ name: 'fleet-graph finding', values: lat.filter((x) => x > 0) }],
    });
  } finally {
    await stop(writer);
    await stop(clients);
    await stop(gateway);
    await stop(env.emulator);
  }
}

// ---------------------------------------------------------------------------------------------

const has = (s: Settings, ...g: string[]) => g.some((x) => s.goals.has(x));

async function guarded(goal: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (e) {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    notMeasured(goal, 'harness', (e as Error).message.split('\n')[0]!.slice(0, 200));
  }
}

async function main(): Promise<number> {
  let s: Settings | undefined;
  try {
    s = parseSettings(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!s) return 0;
  const started = Date.now();
  tmp = await mkdtemp(join(tmpdir(), 'fleet-graph-bench-'));
  await mkdir(s.outDir, { recursive: true });
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '',
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAvgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
  const Lbds = s.L.clusters * s.L.bundles;
  const XLbds = s.XL.clusters * s.XL.bundles;
  log(
    `fleet-graph benchmarks: L = ${s.L.clusters} × ${s.L.bundles} (${num(Lbds)} BDs), XL = ${s.XL.clusters} × ${s.XL.bundles} (${num(XLbds)} BDs)${s.quick ? ', quick' : ''}; ` +
      `node ${machine.node}, ${machine.cpus} CPUs, load ${machine.loadAvgAtStart.join(' ')}`,
  );
  /** Writes the results so far (after each stage, so an interrupted run leaves them), and at the end publishes. */
  const writeResults = async (final: boolean) => {
    const allRows = [...rows];
    const allNotes = [...notes];
    if (heapPerBd.length)
      charts['p3-heap.svg'] = svgBars({
        title: 'P3: retained heap per cached BundleDeployment',
        yLabel: 'bytes per BD (log)',
        log: true,
        groups: heapPerBd.map((h) => ({
          label: h.label === 'L' ? `L (${num(Lbds)} BDs)` : `XL (${num(XLbds)} BDs)`,
          bars: [
            { name: 'fleet-graph store', value: h.store },
            { name: 'full objects (client-node cache)', value: h.full },
          ],
        })),
        goal: { value: 250, label: 'goal 250 B' },
      });

    let mergedFrom: { at: string; machine: unknown; goals: string[] } | undefined;
    if (s.merge && final) {
      // Re-running some goals: the rest come from an earlier results directory, named in the output.
      const prev = JSON.parse(await readFile(join(s.merge, 'results.json'), 'utf8')) as {
        at: string;
        machine: unknown;
        rows: ResultRow[];
        notes: string[];
        data: Record<string, unknown>;
      };
      const ours = (goal: string) => s.goals.has(goal);
      allRows.push(...prev.rows.filter((r) => !ours(r.goal)));
      allNotes.push(...prev.notes.filter((n) => !ours(n.slice(0, n.indexOf(':')))));
      for (const [k, v] of Object.entries(prev.data)) if (!(k in data)) data[k] = v;
      for (const f of await readdir(s.merge))
        if (f.endsWith('.svg') && !(f in charts) && !ours(f.slice(0, f.indexOf('-')).toUpperCase()))
          charts[f] = await readFile(join(s.merge, f), 'utf8');
      const kept = [...new Set(prev.rows.filter((r) => !ours(r.goal)).map((r) => r.goal))];
      mergedFrom = { at: prev.at, machine: prev.machine, goals: kept };
    }
    allRows.sort((a, b) => a.goal.localeCompare(b.goal));
    const elapsedS = Math.round((Date.now() - started) / 100) / 10;
    const summary = {
      at: new Date(started).toISOString(),
      elapsedS,
      // Paths relative to the project: the file may be published.
      settings: {
        ...s,
        goals: [...s.goals],
        outDir: relative(ROOT, s.outDir),
        merge: s.merge && relative(ROOT, s.merge),
      },
      machine: { ...machine, loadAvgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
      mergedFrom,
      rows: allRows,
      notes: allNotes,
      data,
      complete: final,
    };
    const md = [
      `${final ? 'Run' : 'Partial results of the run'} ${summary.at}${s.quick ? ' (quick)' : ''}: L = ${s.L.clusters} × ${s.L.bundles} (${num(Lbds)} BDs), XL = ${s.XL.clusters} × ${s.XL.bundles} (${num(XLbds)} BDs), ${elapsedS} s.`,
      `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memGiB} GiB, Node ${machine.node}; load average ${machine.loadAvgAtStart.join(' / ')} at start, ${summary.machine.loadAvgAtEnd.join(' / ')} at end.`,
      ...(mergedFrom
        ? [
            `${mergedFrom.goals.join(', ')} from the run of ${mergedFrom.at} (${JSON.stringify(mergedFrom.machine).replace(/"/g, '')}).`,
          ]
        : []),
      '',
      markdownTable(allRows),
      '',
      ...allNotes.map((n) => `- ${n}`),
      '',
      ...Object.keys(charts).map((f) => `![${f}](${f})`),
      '',
    ].join('\n');
    await writeFile(join(s.outDir, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
    await writeFile(join(s.outDir, 'results.md'), md);
    for (const [f, svg] of Object.entries(charts)) await writeFile(join(s.outDir, f), svg);
    if (s.publish && final) {
      const pub = join(ROOT, 'docs/performance');
      await mkdir(pub, { recursive: true });
      for (const f of ['results.json', 'results.md', ...Object.keys(charts)])
        await copyFile(join(s.outDir, f), join(pub, f));
    }
    if (final)
      process.stdout.write(
        `\n${md}\nresults: ${relative(process.cwd(), s.outDir)}${s.publish ? ' (and docs/performance/)' : ''}\n`,
      );
  };
  let gatewayHeapL: { heapUsed: number } | undefined;
  try {
    // ---- L: one emulator and one gateway for P6 (cold), P1, P5, P6 (clients), P8, P2, P4
    if (has(s, 'P1', 'P2', 'P4', 'P5', 'P6', 'P8')) {
      log(`seeding the emulator (scale scenario, ${s.L.clusters} × ${s.L.bundles})`);
      const env = await startEmulator({ mode: 'scale', ...s.L });
      let gateway: Child | undefined;
      let clients: Child | undefined;
      let writer: Child | undefined;
      let raw: Child | undefined;
      try {
        const cold = await coldStart(s, env, 'L', Lbds, has(s, 'P6') ? s.coldReps : 1, false, has(s, 'P6'));
        gateway = cold.gateway;
        gatewayHeapL = cold.memory;
        const gwUrl = cold.hello.url;
        clients = await child('clients', []);
        writer = await child('writer', [JSON.stringify({ url: env.url, token: env.token })]);
        raw = await child('raw', []);
        await writer.call('targets', { gitRepo: GITREPO, count: 40_000 });
        const [c, w, r, g] = [clients, writer, raw, gateway];
        if (has(s, 'P1')) await guarded('P1', () => p1(s, c, env, gwUrl));
        if (has(s, 'P5')) await guarded('P5', () => p5(s, c, r, gwUrl));
        if (has(s, 'P6')) {
          await guarded('P6', () => p6Clients(s, c, env, gwUrl));
          const after = await env.emulator.call<RequestCounts>('counts');
          data['p6AfterSync'] = after;
        }
        if (has(s, 'P8')) {
          await guarded('P8', () => p8(s, c, w, g, gwUrl));
          await c.call('disconnect');
        }
        if (has(s, 'P2')) {
          await guarded('P2', () => p2(s, c, w, env, gwUrl));
          await c.call('disconnect');
        }
        if (has(s, 'P4')) {
          await guarded('P4', () => p4(s, c, w, r, env, gwUrl));
          await c.call('disconnect');
        }
      } finally {
        await stop(raw);
        await stop(writer);
        await stop(clients);
        await stop(gateway);
        await stop(env.emulator);
      }
    }
    // ---- P3 (store alone at L and XL) and XL (P3 gateway heap, P6 cold start)
    await writeResults(false);
    if (has(s, 'P3')) await storeMemory('L', Lbds);
    if (s.xl && has(s, 'P3', 'P6')) {
      log(`seeding the emulator in bulk (XL, ${s.XL.clusters} × ${s.XL.bundles})`);
      const env = await startEmulator({ mode: 'bulk', ...s.XL });
      let gateway: Child | undefined;
      try {
        log(`XL seeded in ${ms(Number(env.emulator.hello['seedMs']))}`);
        const cold = await coldStart(s, env, 'XL', XLbds, 1, true, has(s, 'P6'));
        gateway = cold.gateway;
        if (has(s, 'P3')) {
          const xlHeap = cold.memory.heapUsed;
          // The 256 MiB goal is for a million BDs: a smaller XL (--quick) is information only.
          row({
            goal: 'P3',
            metric: `gateway process heap after sync, XL (${num(XLbds)} BDs)`,
            baseline: '',
            fleetGraph: bytes(xlHeap),
            ratio: '',
            target: '≤ 256 MiB at 1M BDs',
            met: XLbds >= 1_000_000 ? xlHeap <= 256 * 2 ** 20 : undefined,
          });
          if (gatewayHeapL) {
            const marginal = (xlHeap - gatewayHeapL.heapUsed) / (XLbds - Lbds);
            row({
              goal: 'P3',
              metric: 'gateway heap per added BD (L → XL)',
              baseline: '',
              fleetGraph: bytes(marginal),
              ratio: '',
              target: '≤ 250 B',
              met: marginal <= 250,
            });
            data['p3Gateway'] = {
              heapL: gatewayHeapL.heapUsed,
              heapXL: xlHeap,
              bdsL: Lbds,
              bdsXL: XLbds,
              marginal,
            };
          }
        }
      } finally {
        await stop(gateway);
        await stop(env.emulator);
      }
    }
    await writeResults(false);
    if (has(s, 'P7')) await guarded('P7', () => p7(s));
    await writeResults(false);
    if (has(s, AUTH_GOAL))
      await guarded(AUTH_GOAL, () =>
        authCost({
          tmp,
          quick: s.quick,
          workspace: WORKSPACE,
          gitRepo: GITREPO,
          fleet: AUTH_FLEET,
          startEmulator: (o) => startEmulator({ mode: 'scale', ...AUTH_FLEET, ...o }),
          startGateway: (env, flags) => startGatewayProc(s, env, false, flags),
          clients: () => child('clients', []),
          stop,
          row,
          notMeasured: (metric, why) => notMeasured(AUTH_GOAL, metric, why),
          note: (text) => notes.push(text),
          log,
          data,
        }),
      );
    await writeResults(false);
    if (has(s, SECURITY_GOAL))
      await guarded(SECURITY_GOAL, () =>
        securityCost({
          tmp,
          quick: s.quick,
          startEmulator: (o) => startEmulator({ mode: 'scale', ...AUTH_FLEET, ...o }),
          startGateway: (env, flags) => startGatewayProc(s, env, false, flags),
          stop,
          row,
          note: (text) => notes.push(text),
          log,
          data,
        }),
      );
    await writeResults(false);
    if (has(s, 'P3') && s.xl) await storeMemory('XL', XLbds);
  } catch (e) {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    notes.push(`run failed: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    for (const c of [...running]) await stop(c);
    await rm(tmp, { recursive: true, force: true });
  }

  await writeResults(true);
  if (s.profile) {
    const dir = join(s.outDir, 'profiles');
    const files = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
    log(`CPU profiles: ${files.map((f) => relative(process.cwd(), join(dir, f))).join(', ') || 'none'}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
