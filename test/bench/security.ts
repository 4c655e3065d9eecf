/**
 * SECURITY: whether /healthz stays fast while the gateway is flooded the way test/security/
 * attacks it. One gateway with the default limits runs over the emulator (`--auth kubernetes`, so
 * one caller can come from many addresses); a prober in a process of its own GETs /healthz back to
 * back on one kept-alive connection, idle and during each flood:
 *
 *   SSE, one address     1,000 SSE subscriptions from 127.0.0.1, each with its own caller's token
 *                        refused past `--streams-per-address` (50)
 *   SSE, one identity    1,000 SSE subscriptions with one caller's token from 20 loopback
 *                        addresses (127.0.0.2…21), refused past `--streams-per-identity` (50)
 *   GraphiQL reloaders   8 clients loading the page and its files 3 times each, revalidating by ETag
 *   first:$n             1,000 queries with `first: $n`, n = 2^31 − 1 (refused: INVALID_ARGUMENT),
 *                        8 at a time
 *
 * Reported: /healthz p50 and p95 idle and under each flood (the flood's p95 over the idle p95 as
 * the ratio; the goal is a p95 under 50 ms), and how many of each flood's requests were refused.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import type { KubeObject } from '../../src/apis/kube.js';
import type { Child } from './procs/ipc.js';
import { num, ratio, type ResultRow } from './report.js';

export const SECURITY_GOAL = 'SECURITY';

/** p95 of /healthz allowed during a flood. */
const HEALTH_P95_GOAL_MS = 50;
const SUBSCRIPTION = 'subscription Flood { bundleDeploymentEvents { type } }';
/** Callers in the token file: `flood-0` … `flood-{N-1}` (distinct identities for the address flood). */
const CALLERS = 1000;

export interface SecurityEnv {
  emulator: Child;
  kubeconfig: string;
}

/** What the orchestrator lends this measurement. */
export interface SecurityContext {
  readonly tmp: string;
  readonly quick: boolean;
  startEmulator(opts: { tokenAuthFile: string; objects: KubeObject[] }): Promise<SecurityEnv>;
  startGateway(env: SecurityEnv, flags: string[]): Promise<Child>;
  stop(c: Child | undefined): Promise<void>;
  row(r: ResultRow): void;
  note(text: string): void;
  log(text: string): void;
  data: Record<string, unknown>;
}

/** Every flood caller may subscribe: read access to Fleet's kinds everywhere. */
function floodRbac(): KubeObject[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'flood-reader' },
      rules: [
        {
          apiGroups: ['fleet.cattle.io'],
          resources: ['gitrepos', 'bundles', 'bundledeployments', 'clusters', 'clustergroups'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    } as KubeObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'flood-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flood-reader' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'flooders' }],
    } as KubeObject,
  ];
}

const token = (i: number) => `flood-token-${String(i).padStart(4, '0')}-0123456789abcdef`;

/** The prober, run with `node -e`: GETs /healthz until told to stop on stdin, then prints latencies. */
const PROBER = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const ms = [];
let running = true;
let failed = 0;
process.stdin.on('data', () => (running = false));
(async () => {
  process.stdout.write('ready\\n');
  while (running) {
    const t = performance.now();
    const ok = await new Promise((resolve) =>
      http
        .get(process.argv[1] + '/healthz', { agent }, (r) => {
          r.resume();
          r.on('end', () => resolve(r.statusCode === 200));
        })
        .on('error', () => resolve(false)),
    );
    if (ok) ms.push(performance.now() - t);
    else failed++;
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(ms.length * q))] ?? null;
  // Exit once the line is flushed: a pipe is written asynchronously.
  process.stdout.write(JSON.stringify({ n: ms.length, failed, p50: at(0.5), p95: at(0.95) }) + '\\n', () =>
    process.exit(0),
  );
})();
`;

interface Health {
  readonly n: number;
  readonly failed: number;
  readonly p50: number;
  readonly p95: number;
}

/** Probes /healthz from another process while `during` runs. */
async function probe(base: string, during: () => Promise<void>): Promise<Health> {
  const p = spawn(process.execPath, ['-e', PROBER, base], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve) =>
    p.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('ready\n')) resolve();
    }),
  );
  const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  await ready;
  try {
    await during();
  } finally {
    p.stdin.end('stop\n');
    await exited;
  }
  const h = JSON.parse(out.slice(out.indexOf('ready\n') + 6)) as {
    n: number;
    failed: number;
    p50: number | null;
    p95: number | null;
  };
  return { n: h.n, failed: h.failed, p50: h.p50 ?? NaN, p95: h.p95 ?? NaN };
}

/** One SSE POST left open when accepted; resolves with its status once the headers arrive. */
function openSse(
  url: URL,
  headers: Record<string, string>,
  localAddress: string,
): Promise<{ status: number; close(): void }> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ query: SUBSCRIPTION });
    const req = request(
      url,
      {
        method: 'POST',
        localAddress,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          accept: 'text/event-stream',
          ...headers,
        },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
      },
    );
    req.on('error', () => resolve({ status: 0, close: () => undefined }));
    req.end(body);
  });
}

/** `n` SSE subscriptions, 100 at a time; all are closed once the flood is over. */
async function sseFlood(
  url: URL,
  n: number,
  headers: (i: number) => Record<string, string>,
  address: (i: number) => string,
  counts: Map<number, number>,
  held: { close(): void }[],
): Promise<void> {
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, (_, j) => openSse(url, headers(i + j), address(i + j))),
    );
    for (const s of batch) {
      counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
      held.push(s);
    }
  }
}

async function get(url: URL, headers: Record<string, string>, agent: Agent) {
  return new Promise<{ status: number; etag: string | undefined; body: string }>((resolve, reject) => {
    request(url, { headers, agent }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** One browser reloading GraphiQL `loads` times, revalidating its files by ETag. */
async function reloader(url: URL, auth: Record<string, string>, loads: number, counts: Map<number, number>) {
  const agent = new Agent({ keepAlive: true, maxSockets: 6 });
  const etags = new Map<string, string>();
  try {
    for (let i = 0; i < loads; i++) {
      // The page uncompressed, to read its links (its files are fetched compressed, as a browser would).
      const page = await get(url, { accept: 'text/html', ...auth }, agent);
      counts.set(page.status, (counts.get(page.status) ?? 0) + 1);
      const files = [...page.body.matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)].map((m) => m[1]!);
      await Promise.all(
        files.map(async (f) => {
          const etag = etags.get(f);
          const r = await get(
            new URL(f, url),
            { 'accept-encoding': 'br', ...(etag ? { 'if-none-match': etag } : {}) },
            agent,
          );
          counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
          if (r.etag) etags.set(f, r.etag);
        }),
      );
    }
  } finally {
    agent.destroy();
  }
}

async function hugePages(url: URL, auth: Record<string, string>, n: number, counts: Map<number, number>) {
  const body = JSON.stringify({
    query: 'query Page($n: Int) { clusters(first: $n) { totalCount } }',
    variables: { n: 2_147_483_647 },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await new Promise<void>((resolve, reject) => {
        request(
          url,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(body)),
              ...auth,
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => {
              const code = text.includes('"INVALID_ARGUMENT"') ? 1 : 0;
              counts.set(code, (counts.get(code) ?? 0) + 1);
              resolve();
            });
          },
        )
          .on('error', reject)
          .end(body);
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: 8 }, worker));
  } finally {
    agent.destroy();
  }
}

const countsText = (m: Map<number, number>) =>
  [...m.entries()]
    .sort(([a], [b]) => a - b)
    .map(([k, v]) => `${v}× ${k}`)
    .join(', ');

export async function securityCost(ctx: SecurityContext): Promise<void> {
  const tokenAuthFile = join(ctx.tmp, 'flood-tokens.csv');
  await writeFile(
    tokenAuthFile,
    Array.from({ length: CALLERS }, (_, i) => `${token(i)},flood-${i},flood-uid-${i},flooders\n`).join(''),
    { mode: 0o600 },
  );
  ctx.log('SECURITY: emulator with 1,000 token-file callers allowed to read Fleet');
  const env = await ctx.startEmulator({ tokenAuthFile, objects: floodRbac() });
  let gateway: Child | undefined;
  try {
    // The default limits: the orchestrator's raised ones are overridden (the last flag wins).
    gateway = await ctx.startGateway(env, [
      '--auth',
      'kubernetes',
      '--streams-per-address',
      '50',
      '--streams-per-identity',
      '50',
      '--connections-per-client',
      '50',
      '--max-subscriptions',
      '10000',
    ]);
    const url = new URL(String(gateway.hello['url']));
    const base = url.origin;
    const bearer = (i: number) => ({ authorization: `Bearer ${token(i)}` });
    const idle = await probe(
      base,
      () => new Promise((resolve) => setTimeout(resolve, ctx.quick ? 2000 : 5000)),
    );
    const floods: { name: string; run: (counts: Map<number, number>) => Promise<void>; unit: string }[] = [
      {
        name: 'SSE, one address (1,000 subscriptions)',
        unit: 'HTTP status',
        run: async (counts) => {
          const held: { close(): void }[] = [];
          try {
            await sseFlood(url, 1000, bearer, () => '127.0.0.1', counts, held);
          } finally {
            for (const h of held) h.close();
          }
        },
      },
      {
        name: 'SSE, one identity (1,000 subscriptions from 20 addresses)',
        unit: 'HTTP status',
        run: async (counts) => {
          const held: { close(): void }[] = [];
          try {
            await sseFlood(
              url,
              1000,
              () => bearer(0),
              (i) => `127.0.0.${2 + (i % 20)}`,
              counts,
              held,
            );
          } finally {
            for (const h of held) h.close();
          }
        },
      },
      {
        name: 'GraphiQL, 8 reloaders × 3 loads',
        unit: 'HTTP status',
        run: (counts) =>
          Promise.all(Array.from({ length: 8 }, (_, i) => reloader(url, bearer(i), 3, counts))).then(
            () => undefined,
          ),
      },
      {
        name: 'first:$n with n = 2^31 − 1 (1,000 queries, 8 at a time)',
        unit: '1 = refused with INVALID_ARGUMENT',
        run: (counts) => hugePages(url, bearer(0), 1000, counts),
      },
    ];
    const results: Record<string, unknown> = { idle };
    ctx.row({
      goal: SECURITY_GOAL,
      metric: '/healthz p50 / p95, idle',
      baseline: '—',
      fleetGraph: `${num(idle.p50, ' ms')} / ${num(idle.p95, ' ms')}`,
      ratio: '—',
      target: 'information',
      met: undefined,
    });
    for (const f of floods) {
      // Let closed streams from the flood before free their slots.
      await new Promise((resolve) => setTimeout(resolve, 500));
      ctx.log(`SECURITY: ${f.name}`);
      const counts = new Map<number, number>();
      const t0 = performance.now();
      const h = await probe(base, () => f.run(counts));
      const floodMs = performance.now() - t0;
      results[f.name] = { health: h, counts: Object.fromEntries(counts), floodMs };
      ctx.row({
        goal: SECURITY_GOAL,
        metric: `/healthz p50 / p95 during ${f.name}; answers: ${countsText(counts)} (${f.unit}); ${h.failed} probes failed`,
        baseline: `${num(idle.p50, ' ms')} / ${num(idle.p95, ' ms')} idle`,
        fleetGraph: `${num(h.p50, ' ms')} / ${num(h.p95, ' ms')}`,
        ratio: ratio(h.p95 / idle.p95),
        target: `p95 < ${HEALTH_P95_GOAL_MS} ms`,
        met: h.failed === 0 && h.p95 < HEALTH_P95_GOAL_MS,
      });
    }
    ctx.data['security'] = results;
    ctx.note(
      'SECURITY: the floods come from the benchmark process and the prober from a process of its own; ' +
        'both share the machine with the gateway and the emulator, so the p95 includes their CPU contention.',
    );
  } finally {
    await ctx.stop(gateway);
    await ctx.stop(env.emulator);
  }
}
