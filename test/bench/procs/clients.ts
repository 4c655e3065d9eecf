/**
 * Benchmark process: every client, multiplexed in one process of its own — HTTP query loops and
 * load, thousands of WebSocket subscribers (graphql-ws spoken by hand, so a subscriber costs a
 * socket and a few bytes, not a client library instance), raw `ws` receivers, and the bare
 * client-node programs the gateway is compared with (LIST-and-join, paged LIST, watch). Arrival
 * times of the gateway's events and of the raw watch are taken here, on one clock.
 */
import { Watch } from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent } from 'node:http';
import WebSocket from 'ws';
import { BUNDLE_DEPLOYMENTS, BUNDLES } from '../../../src/apis/gvr.js';
import { listAndJoin, pagedListAll } from '../baseline.js';
import { load, request, type HttpTarget } from '../lib.js';
import { STATUS_QUERY } from '../queries.js';
import { compareAnswers, dist, quantiles, type StatusAnswer } from '../report.js';
import { serveParent } from './ipc.js';

const kcOf = (file: string) => {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
};
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => performance.now();
const wallNow = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------
// P1: the status page, both ways, same sample count, answers compared

interface StatusPage {
  data?: {
    gitRepo: {
      status: { readyClusters: number | null; desiredReadyClusters: number | null } | null;
      bundleDeployments: {
        totalCount: number;
        edges: {
          node: {
            name: string;
            namespace: string;
            state: string;
            bundle: { name: string } | null;
            cluster: { name: string } | null;
          };
        }[];
      };
    } | null;
  };
  errors?: unknown[];
}

function gatewayAnswer(body: string): StatusAnswer {
  const page = JSON.parse(body) as StatusPage;
  const repo = page.data?.gitRepo;
  if (page.errors || !repo) throw new Error(`query failed: ${body.slice(0, 300)}`);
  return {
    total: repo.bundleDeployments.totalCount,
    readyClusters: repo.status?.readyClusters ?? undefined,
    desiredReadyClusters: repo.status?.desiredReadyClusters ?? undefined,
    rows: repo.bundleDeployments.edges.map(({ node }) => ({
      key: `${node.namespace}/${node.name}`,
      bundle: node.bundle?.name,
      cluster: node.cluster?.name,
      state: node.state,
    })),
  };
}

async function p1(p: {
  gatewayUrl: string;
  kubeconfig: string;
  workspace: string;
  gitRepo: string;
  rows: number;
  samples: number;
  warmup: number;
}) {
  const kc = kcOf(p.kubeconfig);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target: HttpTarget = {
    url: new URL(p.gatewayUrl),
    method: 'POST',
    body: JSON.stringify({
      query: STATUS_QUERY,
      variables: { name: p.gitRepo, namespace: p.workspace, first: p.rows },
    }),
    headers: { accept: 'application/graphql-response+json, application/json' },
  };
  const q = { workspace: p.workspace, gitRepo: p.gitRepo, rows: p.rows };
  const gw: number[] = [];
  const base: number[] = [];
  const diffs = new Set<string>();
  let compared = 0;
  let bytes = 0;
  let lastGw = 0;
  const gwOnce = async () => {
    // A baseline sample takes seconds: the server may have closed the idle keep-alive socket in
    // the meantime, so wake the connection untimed first, as a UI polling on its socket would.
    if (now() - lastGw > 1000) await request(agent, target).catch(() => request(agent, target));
    const t0 = now();
    const res = await request(agent, target);
    const ms = now() - t0;
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
    bytes = res.body.length;
    lastGw = now();
    return { ms, answer: gatewayAnswer(res.body) };
  };
  const baseOnce = async () => {
    const t0 = now();
    const r = await listAndJoin(kc, q);
    const ms = now() - t0;
    const status = (r.status ?? {}) as { readyClusters?: number; desiredReadyClusters?: number };
    const answer: StatusAnswer = {
      total: r.total,
      readyClusters: status.readyClusters,
      desiredReadyClusters: status.desiredReadyClusters,
      rows: r.rows,
    };
    return { ms, answer };
  };
  try {
    for (let i = 0; i < p.warmup; i++) {
      await gwOnce();
      await baseOnce();
    }
    // Interleaved, alternating which side goes first, so load on the machine hits both alike.
    for (let i = 0; i < p.samples; i++) {
      let g: Awaited<ReturnType<typeof gwOnce>>;
      let r: Awaited<ReturnType<typeof baseOnce>>;
      if (i % 2) {
        r = await baseOnce();
        g = await gwOnce();
      } else {
        g = await gwOnce();
        r = await baseOnce();
      }
      gw.push(g.ms);
      base.push(r.ms);
      compared++;
      for (const d of compareAnswers(g.answer, r.answer)) if (diffs.size < 20) diffs.add(d);
    }
  } finally {
    agent.destroy();
  }
  return { gateway: gw, baseline: base, compared, differences: [...diffs], bytes };
}

// ---------------------------------------------------------------------------------------------
// WebSocket subscribers (graphql-transport-ws by hand) and raw receivers

type Mode = 'rv' | 'finding' | 'raw';

interface Finding {
  readonly at: number;
  readonly type: string;
  readonly bundle: string;
  readonly cluster: string;
}

const sockets: WebSocket[] = [];
/** rv → arrival times (ms, this process's clock), one per subscriber that received it. */
const arrivals = new Map<string, number[]>();
const rawLatency: number[] = [];
const rawArrivals: number[] = [];
const findings: Finding[] = [];
const problems = { errors: 0, completes: 0, closed: 0, resync: 0, firstError: '' };
let received = 0;
/** Size of the last event message, for a raw broadcast of the same size. */
let messageBytes = 0;
const seen = new Set<number>();
const RV = /"resourceVersion":"(\d+)"/;
const T = /"t":([\d.]+)/;

function onText(i: number, mode: Mode, text: string) {
  const t = now();
  if (mode === 'raw') {
    received++;
    rawArrivals.push(t);
    const m = T.exec(text);
    if (m) rawLatency.push(wallNow() - Number(m[1]));
    return;
  }
  if (!text.includes('"type":"next"')) {
    if (text.includes('"type":"error"')) {
      problems.errors++;
      problems.firstError ||= text.slice(0, 300);
    } else if (text.includes('"type":"complete"')) problems.completes++;
    return;
  }
  received++;
  messageBytes = text.length;
  seen.add(i);
  if (text.includes('RESYNC_REQUIRED')) problems.resync++;
  if (mode === 'rv') {
    const m = RV.exec(text);
    if (!m) return;
    let a = arrivals.get(m[1]!);
    if (!a) arrivals.set(m[1]!, (a = []));
    a.push(t);
  } else {
    const p = JSON.parse(text) as {
      payload: {
        data?: {
          inconsistencyEvents?: {
            type: string;
            inconsistency: { bundleRef: { name: string } | null; clusterRef: { name: string } | null };
          };
        };
      };
    };
    const e = p.payload.data?.inconsistencyEvents;
    if (e)
      findings.push({
        at: t,
        type: e.type,
        bundle: e.inconsistency.bundleRef?.name ?? '',
        cluster: e.inconsistency.clusterRef?.name ?? '',
      });
  }
}

function open(i: number, url: string, mode: Mode, query: string, variables: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, mode === 'raw' ? [] : ['graphql-transport-ws'], {
      perMessageDeflate: false,
    });
    sockets.push(ws);
    let acked = mode === 'raw';
    // A server too busy to read the connection_init in time closes the socket (graphql-ws 4408):
    // that, an error or a minute without an answer is a failed subscriber, never a hang.
    const timer = setTimeout(() => {
      if (!acked) {
        ws.terminate();
        reject(new Error('no connection_ack within 60 s'));
      }
    }, 60_000);
    ws.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      clearTimeout(timer);
      if (!acked) reject(new Error(`closed before connection_ack: ${code} ${reason.toString()}`));
      else problems.closed++;
    });
    ws.once('open', () => {
      if (mode === 'raw') {
        clearTimeout(timer);
        resolve();
      } else ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    });
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (!acked) {
        if (text.includes('"connection_ack"')) {
          acked = true;
          clearTimeout(timer);
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
          resolve();
        } else reject(new Error(`no connection_ack: ${text.slice(0, 200)}`));
        return;
      }
      if (text.startsWith('{"type":"ping"')) {
        ws.send('{"type":"pong"}');
        return;
      }
      onText(i, mode, text);
    });
  });
}

async function connect(p: {
  url: string;
  n: number;
  mode: Mode;
  query?: string;
  variables?: unknown;
  batch?: number;
}) {
  const t0 = now();
  let failed = 0;
  let firstError = '';
  const base = sockets.length;
  for (let i = 0; i < p.n; i += p.batch ?? 200) {
    const batch = Array.from({ length: Math.min(p.batch ?? 200, p.n - i) }, (_, k) =>
      open(base + i + k, p.url, p.mode, p.query ?? '', p.variables).catch((e: unknown) => {
        failed++;
        firstError ||= String((e as Error).message ?? e);
      }),
    );
    await Promise.all(batch);
  }
  return {
    open: sockets.slice(base).filter((s) => s.readyState === WebSocket.OPEN).length,
    failed,
    firstError,
    ms: now() - t0,
  };
}

async function disconnect() {
  const closing = sockets.splice(0).map(
    (ws) =>
      new Promise<void>((r) => {
        if (ws.readyState === WebSocket.CLOSED) return r();
        ws.once('close', () => r());
        ws.terminate();
      }),
  );
  await Promise.all(closing);
  reset();
  problems.closed = 0;
  seen.clear();
}

function reset() {
  arrivals.clear();
  rawLatency.length = 0;
  rawArrivals.length = 0;
  findings.length = 0;
  received = 0;
  watchAt.clear();
  bundleAt.clear();
}

// ---------------------------------------------------------------------------------------------
// The raw client-node watch, on the same clock

const watchAt = new Map<string, number>();
/** Bundle name → first arrival of a change after the last reset. */
const bundleAt = new Map<string, number>();
const watches: AbortController[] = [];

async function watch(p: { kubeconfig: string; kind: 'bd' | 'bundle'; resourceVersion?: string }) {
  const w = new Watch(kcOf(p.kubeconfig));
  const t = p.kind === 'bd' ? BUNDLE_DEPLOYMENTS : BUNDLES;
  const ctl = await w.watch(
    `/apis/${t.group}/${t.version}/${t.plural}`,
    // From the current version: without one, the server first replays every object as ADDED.
    { allowWatchBookmarks: true, ...(p.resourceVersion ? { resourceVersion: p.resourceVersion } : {}) },
    (type: string, obj: { metadata?: { resourceVersion?: string; name?: string } }) => {
      const at = now();
      if (type === 'BOOKMARK') return;
      const rv = obj.metadata?.resourceVersion;
      if (p.kind === 'bd') {
        if (rv && !watchAt.has(rv)) watchAt.set(rv, at);
      } else if (type === 'MODIFIED' && obj.metadata?.name && !bundleAt.has(obj.metadata.name))
        bundleAt.set(obj.metadata.name, at);
    },
    () => undefined,
  );
  watches.push(ctl);
}

/** Waits until every rv has `perRv` arrivals (or `expected` raw receipts), bounded by `timeoutMs`. */
async function waitFor(p: {
  rvs?: string[];
  perRv?: number;
  expected?: number;
  findings?: number;
  timeoutMs: number;
}) {
  const deadline = now() + p.timeoutMs;
  const done = () => {
    if (p.expected !== undefined) return received >= p.expected;
    if (p.findings !== undefined) return findings.length >= p.findings;
    return (p.rvs ?? []).every((rv) => (arrivals.get(rv)?.length ?? 0) >= (p.perRv ?? 1) && watchAt.has(rv));
  };
  while (!done() && now() < deadline) await sleep(20);
  return { done: done(), received };
}

function range(xs: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

/** Figures over the deliveries of `rvs`: arrival after the raw watch, rate from first to last. */
function collect(p: { rvs: string[] }) {
  const extra: number[] = [];
  const times: number[] = [];
  let missingWatch = 0;
  for (const rv of p.rvs) {
    const w = watchAt.get(rv);
    if (w === undefined) missingWatch++;
    for (const t of arrivals.get(rv) ?? []) {
      times.push(t);
      if (w !== undefined) extra.push(t - w);
    }
  }
  // No spread: a quarter of a million arguments overflow the stack.
  const [first, last] = range(times);
  return {
    deliveries: times.length,
    watchEvents: p.rvs.length - missingWatch,
    perSec: times.length > 1 ? (times.length / (last - first)) * 1000 : NaN,
    extra: dist(extra),
    extraQ: quantiles(extra, 101).map((x) => x[1]),
    problems: { ...problems },
    subscribersThatReceived: seen.size,
    messageBytes,
  };
}

function collectRaw() {
  const [first, last] = range(rawArrivals);
  return {
    deliveries: rawArrivals.length,
    perSec: rawArrivals.length > 1 ? (rawArrivals.length / (last - first)) * 1000 : NaN,
    latency: dist(rawLatency),
    latencyQ: quantiles(rawLatency, 101).map((x) => x[1]),
  };
}

// ---------------------------------------------------------------------------------------------

serveParent(
  {},
  {
    p1,
    load: (p: {
      url: string;
      body: string;
      connections: number;
      ms: number;
      warmupMs: number;
      maxRequests: number;
      /** Further request headers (the caller's bearer token). */
      headers?: Record<string, string>;
    }) =>
      load(
        {
          url: new URL(p.url),
          method: 'POST',
          body: p.body,
          headers: { accept: 'application/graphql-response+json, application/json', ...p.headers },
        },
        { connections: p.connections, maxMs: p.ms, maxRequests: p.maxRequests, warmupMs: p.warmupMs },
      ),
    /** One POST, its status and body. */
    post: async (p: { url: string; body: string; headers?: Record<string, string> }) => {
      const agent = new Agent({ keepAlive: false });
      try {
        return await request(agent, {
          url: new URL(p.url),
          method: 'POST',
          body: p.body,
          headers: { accept: 'application/graphql-response+json, application/json', ...p.headers },
        });
      } finally {
        agent.destroy();
      }
    },
    /** `clients` keep-alive connections, each sending `each` queries in sequence. */
    manyClients: async (p: { url: string; body: string; clients: number; each: number }) => {
      const agents = Array.from({ length: p.clients }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
      let errors = 0;
      const t0 = now();
      try {
        await Promise.all(
          agents.map(async (agent) => {
            for (let i = 0; i < p.each; i++) {
              const res = await request(agent, {
                url: new URL(p.url),
                method: 'POST',
                body: p.body,
                headers: { accept: 'application/json' },
              }).catch(() => ({ status: 0, body: '' }));
              if (res.status !== 200) errors++;
            }
          }),
        );
      } finally {
        for (const a of agents) a.destroy();
      }
      return { errors, ms: now() - t0 };
    },
    /** Sequential queries for `ms`: latencies (P8). */
    queryLoop: async (p: { url: string; body: string; ms: number; maxCount: number }) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const out: number[] = [];
      let errors = 0;
      let firstError = '';
      const end = now() + p.ms;
      try {
        while (now() < end && out.length < p.maxCount) {
          const t0 = now();
          // A reset connection is counted as an error and the loop goes on, on a new socket.
          const res = await request(agent, {
            url: new URL(p.url),
            method: 'POST',
            body: p.body,
            headers: { accept: 'application/json' },
          }).catch((e: unknown) => ({ status: 0, body: String((e as Error).message) }));
          if (res.status !== 200 || res.body.includes('"errors"')) {
            errors++;
            firstError ||= res.body.slice(0, 200);
          } else out.push(now() - t0);
        }
      } finally {
        agent.destroy();
      }
      return { latencies: out, errors, firstError };
    },
    coldList: async (p: { kubeconfig: string; pageSize: number }) => {
      const kc = kcOf(p.kubeconfig);
      const t0 = now();
      const objects = await pagedListAll(kc, p.pageSize);
      return { ms: now() - t0, objects };
    },
    connect,
    disconnect,
    reset: () => reset(),
    watch,
    waitFor,
    collect,
    collectRaw,
    findings: () => ({ findings, bundleAt: Object.fromEntries(bundleAt), problems: { ...problems } }),
  },
  async () => {
    for (const w of watches) w.abort();
    await disconnect();
  },
);
