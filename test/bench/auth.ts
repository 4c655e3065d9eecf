/**
 * AUTH: what authenticating callers costs per request. The P5 query (a small read served from the
 * cache) against three gateways on one emulator:
 *
 *   none   `--auth none` (the baseline: no token, the gateway's own rights)
 *   warm   `--auth kubernetes` with the default caches; every answer after the first comes from
 *          the TokenReview and SubjectAccessReview caches
 *   cold   `--auth kubernetes --auth-cache-seconds 0 --access-cache-seconds 0`; an answer is kept
 *          for 0 ms, so every request asks the API server again (only requests in flight at the
 *          same moment share one review)
 *
 * each with two callers: the emulator's administrator (allowed everywhere: one cluster-wide
 * question) and `reader`, a token-file user whose Role is in the workspace namespace only, so the
 * cluster-wide question is refused and the namespaced one asked too (filtering applies). Reported:
 * p50 and p99 at 1 connection and throughput at 32, as ratios against `none`, and the
 * TokenReviews and SubjectAccessReviews the emulator served per gateway request.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../../src/apis/kube.js';
import type { Child } from './procs/ipc.js';
import { SMALL_QUERY } from './queries.js';
import type { LoadResult, ReviewCounts } from './lib.js';
import { median, num, ratio, type ResultRow } from './report.js';

export const AUTH_GOAL = 'AUTH';

/** The token-file user whose rights end at the workspace namespace. */
const READER_TOKEN = 'bench-reader-token-0123456789';
const READER_TOKEN_FILE = `${READER_TOKEN},reader,reader-uid,bench-readers\n`;

/** Read access to Fleet's kinds in `namespace` only, for `reader`. */
export function readerRbac(namespace: string): KubeObject[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'fleet-reader', namespace },
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
      kind: 'RoleBinding',
      metadata: { name: 'reader-fleet', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'fleet-reader' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'reader' }],
    } as KubeObject,
  ];
}

export interface AuthEnv {
  emulator: Child;
  kubeconfig: string;
  /** The emulator's administrator token. */
  token: string;
}

/** What the orchestrator lends this measurement: its processes, its table and its log. */
export interface AuthContext {
  readonly tmp: string;
  readonly quick: boolean;
  readonly workspace: string;
  readonly gitRepo: string;
  readonly fleet: { clusters: number; bundles: number };
  startEmulator(opts: { tokenAuthFile: string; objects: KubeObject[] }): Promise<AuthEnv>;
  startGateway(env: AuthEnv, flags: string[]): Promise<Child>;
  clients(): Promise<Child>;
  stop(c: Child | undefined): Promise<void>;
  row(r: ResultRow): void;
  notMeasured(metric: string, why: string): void;
  note(text: string): void;
  log(text: string): void;
  data: Record<string, unknown>;
}

type Mode = 'none' | 'warm' | 'cold';
const MODES: Record<Mode, string[]> = {
  none: ['--auth', 'none'],
  warm: ['--auth', 'kubernetes'],
  cold: ['--auth', 'kubernetes', '--auth-cache-seconds', '0', '--access-cache-seconds', '0'],
};

interface Case {
  readonly label: string;
  readonly mode: Mode;
  readonly headers: Record<string, string>;
}

interface CaseResult {
  one: LoadResult[];
  many: LoadResult[];
  /** Reviews and requests sent (warm-up included) over every run at 1 and at 32 connections. */
  reviewsOne: ReviewCounts & { requests: number };
  reviewsMany: ReviewCounts & { requests: number };
}

const perRequest = (r: ReviewCounts & { requests: number }) =>
  `${num(r.tokenReviews / r.requests)} TR + ${num(r.accessReviews / r.requests)} SAR`;

export async function authCost(ctx: AuthContext): Promise<void> {
  const reps = ctx.quick ? 2 : 5;
  const seconds = ctx.quick ? 0.5 : 0.6;
  const tokenAuthFile = join(ctx.tmp, 'bench-tokens.csv');
  await writeFile(tokenAuthFile, READER_TOKEN_FILE, { mode: 0o600 });
  ctx.log(
    `AUTH: emulator (scale scenario, ${ctx.fleet.clusters} × ${ctx.fleet.bundles}) with a token file and a namespaced Role`,
  );
  const env = await ctx.startEmulator({ tokenAuthFile, objects: readerRbac(ctx.workspace) });
  const gateways: Partial<Record<Mode, Child>> = {};
  let clients: Child | undefined;
  try {
    for (const mode of Object.keys(MODES) as Mode[]) {
      ctx.log(`AUTH: gateway ${MODES[mode].join(' ')}`);
      gateways[mode] = await ctx.startGateway(env, MODES[mode]);
    }
    clients = await ctx.clients();
    const c = clients;
    const admin = { authorization: `Bearer ${env.token}` };
    const reader = { authorization: `Bearer ${READER_TOKEN}` };
    const cases: Case[] = [
      { label: 'none', mode: 'none', headers: {} },
      { label: 'warm, admin', mode: 'warm', headers: admin },
      { label: 'warm, namespaced reader', mode: 'warm', headers: reader },
      { label: 'cold, admin', mode: 'cold', headers: admin },
      { label: 'cold, namespaced reader', mode: 'cold', headers: reader },
    ];
    const body = JSON.stringify({
      query: SMALL_QUERY,
      variables: { name: ctx.gitRepo, namespace: ctx.workspace },
    });
    const url = (k: Case) => String(gateways[k.mode]!.hello['url']);
    // Every caller must get the GitRepo itself: a refused or filtered-out answer would be cheaper
    // and measure nothing.
    let expected: string | undefined;
    for (const k of cases) {
      const first = await c.call<{ status: number; body: string }>('post', {
        url: url(k),
        body,
        headers: k.headers,
      });
      expected ??= first.body;
      if (first.status !== 200 || first.body !== expected)
        return ctx.notMeasured(
          'auth cost per request',
          `${k.label}: HTTP ${first.status} ${first.body.slice(0, 160)} (expected ${expected.slice(0, 160)})`,
        );
    }
    const out = new Map<Case, CaseResult>(
      cases.map((k) => [
        k,
        {
          one: [],
          many: [],
          reviewsOne: { tokenReviews: 0, accessReviews: 0, requests: 0 },
          reviewsMany: { tokenReviews: 0, accessReviews: 0, requests: 0 },
        },
      ]),
    );
    // Latency and throughput, the cases interleaved in each repetition, and each repetition
    // starting with another case, so that the machine's load (and the emulator catching up after
    // a case that floods it with reviews) falls on all of them alike.
    for (let rep = 0; rep < reps; rep++)
      for (const k of cases.map((_, i) => cases[(i + rep) % cases.length]!)) {
        ctx.log(`AUTH: ${k.label}, rep ${rep + 1}/${reps}, ${seconds} s at 1 and at 32 connections`);
        const bounds = { url: url(k), body, headers: k.headers, warmupMs: 300, maxRequests: 500_000 };
        const res = out.get(k)!;
        for (const connections of [1, 32] as const) {
          await env.emulator.call('reviews');
          const r = await c.call<LoadResult>('load', { ...bounds, connections, ms: seconds * 1000 });
          const n = await env.emulator.call<ReviewCounts>('reviews');
          (connections === 1 ? res.one : res.many).push(r);
          // Every request sent counts, the warm-up's too: the reviews were paid for all of them.
          const total = connections === 1 ? res.reviewsOne : res.reviewsMany;
          total.tokenReviews += n.tokenReviews;
          total.accessReviews += n.accessReviews;
          total.requests += r.requests + r.errors + r.warmupRequests;
        }
      }
    const med = (xs: LoadResult[], f: (x: LoadResult) => number) => median(xs.map(f));
    const base = out.get(cases[0]!)!;
    const b50 = med(base.one, (x) => x.p50Ms);
    const b99 = med(base.one, (x) => x.p99Ms);
    const b32 = med(base.many, (x) => x.reqPerSec);
    const ms = (x: number) => num(x, ' ms');
    const thr = (x: number) => num(x, ' req/s');
    for (const k of cases.slice(1)) {
      const r = out.get(k)!;
      const g50 = med(r.one, (x) => x.p50Ms);
      const g99 = med(r.one, (x) => x.p99Ms);
      const g32 = med(r.many, (x) => x.reqPerSec);
      const errors = [...r.one, ...r.many].reduce((a, x) => a + x.errors, 0);
      ctx.row({
        goal: AUTH_GOAL,
        metric: `${k.label}: p50 / p99 at 1 connection (median of ${reps})`,
        baseline: `${ms(b50)} / ${ms(b99)}`,
        fleetGraph: `${ms(g50)} / ${ms(g99)}`,
        ratio: `${ratio(g50 / b50)} / ${ratio(g99 / b99)}`,
        target: '',
        met: undefined,
      });
      ctx.row({
        goal: AUTH_GOAL,
        metric: `${k.label}: throughput at 32 connections (median of ${reps})`,
        baseline: thr(b32),
        fleetGraph: `${thr(g32)}${errors ? `; ${errors} requests failed` : ''}`,
        ratio: ratio(g32 / b32),
        target: '',
        met: undefined,
      });
      ctx.row({
        goal: AUTH_GOAL,
        metric: `${k.label}: API reviews per request, 1 / 32 connections`,
        baseline: '0',
        fleetGraph: `${perRequest(r.reviewsOne)} / ${perRequest(r.reviewsMany)}`,
        ratio: '',
        target: '',
        met: undefined,
      });
    }
    ctx.note(
      `AUTH: the P5 query against gateways with --auth none, --auth kubernetes (default caches: warm) and --auth kubernetes --auth-cache-seconds 0 --access-cache-seconds 0 (cold), all on one emulator of ${ctx.fleet.clusters} × ${ctx.fleet.bundles}; callers: the emulator's administrator and a token-file user with a Role in ${ctx.workspace} only; every caller got the same answer; TR = TokenReviews, SAR = SubjectAccessReviews the emulator served, divided by every request sent in the timed runs (warm-up included): warm figures are the cache refreshes spread over the requests`,
    );
    ctx.data['auth'] = Object.fromEntries(cases.map((k) => [k.label, out.get(k)]));
  } finally {
    await ctx.stop(clients);
    for (const g of Object.values(gateways)) await ctx.stop(g);
    await ctx.stop(env.emulator);
  }
}
