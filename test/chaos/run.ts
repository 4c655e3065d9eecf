/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return --
   GraphQL answers and subscription payloads are JSON read field by field. */
/**
 * `npm run chaos [-- --quick]`: a bounded chaos run on loopback. A simulated Fleet, two gateway
 * replicas electing a leader, steady churn (staged retargets, cluster label edits, agents going
 * offline and back), and a schedule of faults injected into the API emulator or the replicas.
 * Subscribers follow BundleDeployment events and move to the other replica when theirs goes away,
 * resuming from their last cursor. At the end everything is compared with the emulator's own
 * journal of what happened (an in-process tap that faults never touch). See docs/reliability.md.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { RETARGET_OPERATION_ANNOTATION } from '../../src/gateway/fleet/commands/operation.js';
import type { Gateway } from '../../src/gateway/gateway.js';
import { SystemClock } from '../../src/shared/clock.js';
import type { Simulation } from '../../src/simulator/index.js';
import { FleetWriter } from '../gateway/kube-fixtures.js';
import { startEmptySimulation, startSyncedGateway } from '../gateway/simulated.js';

const quick = process.argv.includes('--quick');
const CLUSTERS = quick ? 8 : 16;
const REPOS = ['app', 'web'];
const WS = 'fleet-default';
/** Seconds of simulated Fleet per stage: short, so churn converges between faults. */
const FLEET = {
  jobDelayMs: 200,
  applyDelayMs: 200,
  readyDelayMs: 300,
  gitRepoStatusDelayMs: 400,
  agentBundles: false,
  firstCheckInDelayMs: 500,
};
const FAULT_ROUNDS = quick ? 1 : 3;
const CONVERGE_BOUND_MS = 30_000;
/**
 * Progress probe period, and the emulator's bookmark interval: scaled down together from
 * production's 5 s probe and kube-apiserver's ~1 min bookmarks, so that a silent watch is noticed
 * well within the faults' seconds while a quiet healthy watch still hears its bookmarks.
 */
const PROBE_MS = 250;

const log = (msg: string) => process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${msg}\n`);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const config = loadConfig(
  [
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--replay-buffer',
    '100000',
    '--leader-election-lease-seconds',
    '3',
    '--leader-election-renew-seconds',
    '2',
    '--leader-election-retry-seconds',
    '0.5',
  ],
  {},
);

let sim: Simulation;
const replicas: Gateway[] = [];
/** The Clusters the current backend holds (a replaced backend holds others). */
let clusters: string[] = Array.from({ length: CLUSTERS }, (_, i) => `c-${i}`);
/** Bumped when the backend is replaced: the old emulator's journal must not count any more. */
let backendEpoch = 0;

async function replica(): Promise<Gateway> {
  const gw = await startSyncedGateway(sim, {
    config,
    clock: new SystemClock(1),
    // Unhealthy watches mark answers after 1 s here (production: 2 s), so the 2 s of lag the
    // check below allows an unmarked answer leaves a second for a loaded machine's timers.
    staleGraceMs: 1_000,
    watchTuning: {
      backoff: { initialMs: 50, maxMs: 1_000 },
      minReconnectDelayMs: 20,
      // Faults last seconds here: probe progress every PROBE_MS (--watch-progress-seconds is 5).
      progressIntervalMs: PROBE_MS,
      progressGraceMs: PROBE_MS,
      // The emulator here bookmarks every PROBE_MS: a watch silent for three of them is not quiet.
      silentLagMs: 3 * PROBE_MS,
    },
  });
  replicas.push(gw);
  return gw;
}

async function gql(gw: Gateway, query: string, variables?: Record<string, unknown>): Promise<any> {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return await res.json();
}

// ─── the emulator's journal: what really happened to BundleDeployments ────────────────────────

/** uid → name, for every BundleDeployment ever created; and the uids deleted. */
const truth = { created: new Map<string, string>(), deleted: new Set<string>(), live: new Set<string>() };
/** The journal's creations and removals with the time they were committed, in order. */
const history: { at: number; type: 'ADDED' | 'DELETED'; uid: string; during?: string }[] = [];

/**
 * Whether `answer` (a set of uids) equals the emulator's live set at some instant between
 * `from - LAG_MS` and `to`: a fresh answer may trail the API server by the watch's propagation,
 * which the freshness rules allow for 2 s before they call a kind stale.
 */
const LAG_MS = 2_000;
function matchesSomeInstant(answer: Set<string>, from: number, to: number): boolean {
  const live = new Set<string>();
  let i = 0;
  for (; i < history.length && history[i]!.at < from - LAG_MS; i++) {
    const h = history[i]!;
    if (h.type === 'ADDED') live.add(h.uid);
    else live.delete(h.uid);
  }
  const same = () => live.size === answer.size && [...answer].every((u) => live.has(u));
  if (same()) return true;
  for (; i < history.length && history[i]!.at <= to; i++) {
    const h = history[i]!;
    if (h.type === 'ADDED') live.add(h.uid);
    else live.delete(h.uid);
    if (same()) return true;
  }
  return false;
}

/** Answers sampled all along: right, wrong but marked stale, wrong and unmarked, or errors. */
const answers = {
  total: 0,
  right: 0,
  rightMarkedStale: 0,
  markedStale: 0,
  wrongUnmarked: 0,
  errors: 0,
  examples: [] as string[],
};
let sampling = true;

async function sample(): Promise<void> {
  let n = 0;
  while (sampling) {
    n += 1;
    const live = replicas.filter((r) => !stoppedReplicas.has(r));
    const gw = live[n % live.length];
    if (gw) {
      const from = Date.now();
      const r = await gql(gw, '{ bundleDeployments(first: 1000) { edges { node { uid } } } }').catch(
        () => undefined,
      );
      const to = Date.now();
      answers.total += 1;
      const edges = r?.data?.bundleDeployments?.edges;
      if (!edges) answers.errors += 1;
      else {
        const got = new Set<string>(edges.map((e: any) => e.node.uid as string));
        const stale = r.extensions?.freshness?.stale === true;
        if (matchesSomeInstant(got, from, to)) {
          answers.right += 1;
          // Right yet marked: the price of marking early (the watch lagged, or a probe could not
          // tell a quiet watch from a silent one).
          if (stale) answers.rightMarkedStale += 1;
        } else if (stale) answers.markedStale += 1;
        else {
          answers.wrongUnmarked += 1;
          if (answers.examples.length < 3)
            answers.examples.push(
              `${got.size} uids (${[...got].filter((u) => truth.live.has(u)).length} live now) at ${new Date(from).toISOString().slice(11, 23)} during ${currentFault}, answered by replica ${replicas.indexOf(gw)}`,
            );
        }
      }
    }
    await wait(100);
  }
}

// ─── subscribers: follow events, move to another replica on disconnect, resume by cursor ──────

interface Subscriber {
  name: string;
  /** (uid, type) → times delivered. */
  seen: Map<string, number>;
  cursors: Set<string>;
  duplicates: number;
  /** FRESHNESS_CHANGED status events received (the watches behind the stream turned stale or recovered). */
  freshnessChanges: number;
  resyncs: number;
  /** Events a RESYNC_REQUIRED stood for (see resyncCovers): told to re-read, not lost. */
  covered: Set<string>;
  /** When the current subscription was requested: a RESYNC on it covers the gap up to here. */
  subscribedAt: number;
  resumes: number;
  last: string | undefined;
  client: Client | undefined;
  stopped: boolean;
  /** Artificial per-event delay (a slow consumer). */
  slowMs: number;
}

const EVENTS = `subscription($after: String) {
  bundleDeploymentEvents(after: $after) { type cursor observedAt bundleDeployment { uid name } }
}`;

function follow(s: Subscriber, index: number): void {
  if (s.stopped) return;
  const live = replicas.filter((r) => !stoppedReplicas.has(r));
  const gw = live[index % live.length];
  if (!gw) return;
  const client = createClient({
    url: gw.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
  });
  s.client = client;
  s.subscribedAt = Date.now();
  let queue = Promise.resolve();
  const moveOn = () => {
    if (s.client !== client) return;
    s.client = undefined;
    void client.dispose();
    s.resumes += 1;
    // Resume from the last event this subscriber has processed: a slow one finishes its backlog first.
    void queue.then(() => setTimeout(() => follow(s, index + 1), 100));
  };
  client.subscribe(
    { query: EVENTS, variables: s.last ? { after: s.last } : {} },
    {
      next: (r: any) => {
        queue = queue.then(async () => {
          if (s.slowMs > 0) await wait(s.slowMs);
          const e = r.data?.bundleDeploymentEvents;
          if (!e) return;
          if (e.type === 'RESYNC_REQUIRED') {
            s.resyncs += 1;
            resyncCovers(s, Date.parse(e.observedAt));
            s.last = e.cursor;
            return;
          }
          // A status event repeats the cursor of the last event by contract; it is no duplicate.
          if (e.type === 'FRESHNESS_CHANGED') {
            s.freshnessChanges += 1;
            return;
          }
          if (s.cursors.has(e.cursor)) s.duplicates += 1;
          s.cursors.add(e.cursor);
          s.last = e.cursor;
          if (e.type === 'ADDED' || e.type === 'REMOVED') {
            const key = `${e.bundleDeployment?.uid}:${e.type}`;
            s.seen.set(key, (s.seen.get(key) ?? 0) + 1);
          }
        });
      },
      error: moveOn,
      complete: moveOn,
    },
  );
}

/**
 * A RESYNC tells the subscriber its stream has a gap and it must re-read the state: it stands for
 * exactly the journal's creations and removals after the last one the subscriber received and up
 * to when the RESYNC was issued (its `observedAt`; for a resume, no earlier than the request, from
 * which the stream is live). Anything outside that window must still arrive as an event, so
 * "lost" stays a real loss.
 */
function resyncCovers(s: Subscriber, issuedAt: number): void {
  // Issued on the stream (a replaced history) or at the request (a cursor it cannot serve).
  const until = Math.max(s.subscribedAt, Number.isFinite(issuedAt) ? issuedAt : 0);
  const at = new Map(history.map((h) => [`${h.uid}:${h.type === 'DELETED' ? 'REMOVED' : 'ADDED'}`, h.at]));
  let from = 0;
  for (const k of s.seen.keys()) from = Math.max(from, at.get(k) ?? 0);
  for (const [k, t] of at) if (t > from && t <= until) s.covered.add(k);
}

const stoppedReplicas = new Set<Gateway>();

// ─── staged steps applied twice: every version of every operation record, from a watch ───────

const stepApplies = new Map<string, Set<string>>();

/** Every version of every operation record, from the emulator's journal (faults never touch it). */
function watchOperations(): () => void {
  return sim.apiServer.journal('gitrepos.fleet.cattle.io', (_type, obj: any) => {
    const raw = obj?.metadata?.annotations?.[RETARGET_OPERATION_ANNOTATION];
    if (!raw) return;
    const op = JSON.parse(raw);
    op.steps.forEach((st: any, i: number) => {
      if (!st.appliedAt) return;
      const k = `${op.id}#${i}`;
      if (!stepApplies.has(k)) stepApplies.set(k, new Set());
      stepApplies.get(k)!.add(st.appliedAt);
    });
  });
}

// ─── churn ────────────────────────────────────────────────────────────────────────────────────

let churning = true;
/** While set, churn waits (a replaced backend is seeded without churn; see the fault). */
let churnPaused: Promise<void> | undefined;
let churnIdle: (() => void) | undefined;
const churnErrors: string[] = [];
let retargets = 0;
const refusals = new Map<string, number>();

async function churn(kube: FleetWriter): Promise<void> {
  let round = 0;
  while (churning) {
    if (churnPaused) {
      churnIdle?.();
      await churnPaused;
    }
    round += 1;
    try {
      const live = replicas.filter((r) => !stoppedReplicas.has(r));
      const gw = live[round % live.length]!;
      const repo = REPOS[round % REPOS.length]!;
      const zone = round % 2 === 0 ? 'a' : 'b';
      const r = await gql(
        gw,
        `mutation($input: RetargetGitRepoInput!) { retargetGitRepo(input: $input) { userErrors { code } } }`,
        {
          input: {
            namespace: WS,
            name: repo,
            targets: [{ name: zone, clusterSelector: { matchLabels: [{ key: 'zone', value: zone }] } }],
            strategy: { batchSize: 2, pauseBetween: 0 },
          },
        },
      );
      const codes: string[] = (r.data?.retargetGitRepo?.userErrors ?? []).map((e: any) => e.code);
      // A running operation refuses a new one (CONFLICT): expected under churn, not an error.
      if (r.errors) churnErrors.push(JSON.stringify(r.errors).slice(0, 200));
      else if (codes.length === 0) retargets += 1;
      else refusals.set(codes.join(','), (refusals.get(codes.join(',')) ?? 0) + 1);
      const c = clusters[round % clusters.length]!;
      await kube.patch('clusters', WS, c, { metadata: { labels: { zone: round % 3 === 0 ? 'a' : 'b' } } });
      // An agent flaps: offline for a second, then back (on the backend it went offline on).
      const flapping = clusters[(round + 3) % clusters.length]!;
      if (round % 4 === 0) {
        const fleet = sim.fleet;
        fleet.setClusterOffline(WS, flapping, true);
        setTimeout(() => fleet.setClusterOffline(WS, flapping, false), 1_000);
      }
    } catch (e) {
      churnErrors.push(String(e).replace(/\s+/g, ' ').slice(0, 120));
    }
    await wait(quick ? 400 : 300);
  }
  for (const c of clusters) sim.fleet.setClusterOffline(WS, c, false);
}

// ─── convergence: every live replica answers what the emulator holds ─────────────────────────

async function answersMatch(): Promise<boolean> {
  const want = [...truth.live].sort().join(',');
  for (const gw of replicas.filter((r) => !stoppedReplicas.has(r))) {
    const r = await gql(gw, '{ bundleDeployments(first: 1000) { totalCount edges { node { uid } } } }').catch(
      () => undefined,
    );
    const got = (r?.data?.bundleDeployments?.edges ?? [])
      .map((e: any) => e.node.uid)
      .sort()
      .join(',');
    if (got !== want) return false;
  }
  return true;
}

async function timeToConverge(): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < CONVERGE_BOUND_MS) {
    if (await answersMatch()) return Date.now() - start;
    await wait(50);
  }
  return Number.POSITIVE_INFINITY;
}

const convergence = new Map<string, number[]>();
/** From killing the leader (Lease left held) to another replica leading. */
const takeovers: number[] = [];

/** The fault being injected or converged from, for the report's examples. */
let currentFault = 'no fault';

async function fault(name: string, inject: () => Promise<void> | void, heal: () => Promise<void> | void) {
  log(`fault: ${name}`);
  currentFault = name;
  await inject();
  await wait(quick ? 1_500 : 3_000);
  await heal();
  const ms = await timeToConverge();
  if (!convergence.has(name)) convergence.set(name, []);
  convergence.get(name)!.push(ms);
  currentFault = `after ${name}`;
  log(`  converged in ${Number.isFinite(ms) ? `${ms} ms` : `> ${CONVERGE_BOUND_MS} ms`}`);
}

function pct(xs: number[], p: number): string {
  const s = [...xs].sort((a, b) => a - b);
  const v = s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  return v === undefined ? '-' : Number.isFinite(v) ? `${v} ms` : 'never';
}

let replacedBackends = 0;

/** The emulator's journal of BundleDeployments (the current backend's only) is the reference. */
function recordBundleDeployments(): void {
  const epoch = backendEpoch;
  sim.apiServer.journal('bundledeployments.fleet.cattle.io', (type, o) => {
    if (epoch !== backendEpoch) return;
    const uid = o.metadata.uid ?? '';
    if (type === 'ADDED') {
      truth.created.set(uid, o.metadata.name ?? '');
      truth.live.add(uid);
      history.push({ at: Date.now(), type, uid, during: currentFault });
    } else if (type === 'DELETED') {
      truth.deleted.add(uid);
      truth.live.delete(uid);
      history.push({ at: Date.now(), type, uid, during: currentFault });
    }
  });
}

async function seedClusters(kube: FleetWriter): Promise<void> {
  for (const [i, name] of clusters.entries())
    await kube.create('clusters', WS, {
      metadata: { name, labels: { fleet: 'yes', zone: i % 2 === 0 ? 'a' : 'b' } },
      spec: {},
    });
}

async function main(): Promise<void> {
  const started = Date.now();
  sim = await startEmptySimulation({ cleanup: 'prompt', fleet: FLEET, bookmarkIntervalMs: PROBE_MS });
  recordBundleDeployments();
  const kube = new FleetWriter(sim.kubeConfig);
  await seedClusters(kube);
  await replica();
  await replica();
  let stopOps = watchOperations();
  const subscribers: Subscriber[] = ['steady', 'mover', 'slow'].map((name) => ({
    name,
    seen: new Map(),
    cursors: new Set(),
    duplicates: 0,
    freshnessChanges: 0,
    resyncs: 0,
    covered: new Set(),
    subscribedAt: 0,
    resumes: 0,
    last: undefined,
    client: undefined,
    stopped: false,
    slowMs: name === 'slow' ? 20 : 0,
  }));
  subscribers.forEach((s, i) => follow(s, i));
  // Subscribers are attached before the first BundleDeployment exists, so every event is expected.
  await wait(500);
  const createRepos = async () => {
    for (const name of REPOS)
      await kube.create('gitrepos', WS, {
        metadata: { name },
        spec: {
          repo: `https://example.com/${name}`,
          paths: ['a'],
          targets: [{ name: 'a', clusterSelector: { matchLabels: { zone: 'a' } } }],
        },
      });
  };
  await createRepos();
  const churnDone = churn(kube);
  const samplingDone = sample();
  await wait(2_000);

  const f = sim.apiServer.faults;
  for (let round = 0; round < FAULT_ROUNDS; round++) {
    await fault(
      'dropped watches',
      () => void f.endWatches(),
      () => undefined,
    );
    await fault(
      '500 storm',
      () => f.failRequests({ status: 500, durationMs: 1_000 }),
      () => f.clear(),
    );
    await fault(
      '429 storm',
      () => f.failRequests({ status: 429, durationMs: 1_000, retryAfterSeconds: 1 }),
      () => f.clear(),
    );
    await fault(
      'forced 410',
      () => {
        for (const resource of ['bundledeployments', 'bundles', 'gitrepos', 'clusters'])
          f.goneOnNextWatch({ resource });
        f.endWatches();
      },
      () => undefined,
    );
    await fault(
      'silent watches',
      () => f.silenceWatches({ resource: 'bundledeployments' }),
      () => {
        f.clear();
        // A half-open watch is only noticed by a watchdog; end the silent streams as a proxy would.
        f.endWatches({ resource: 'bundledeployments' });
      },
    );
    await fault(
      'replaced backend',
      async () => {
        // The shape of an etcd restore or a new management cluster: same address, same
        // credentials, a new history whose objects differ (two Clusters gone, one new, every
        // BundleDeployment recreated by the new Fleet with a new uid).
        // Churn pauses while the new backend is seeded: what the new Fleet creates then is only
        // creations, none created and removed again before the replicas relist (a list shows
        // state, not history, so such a pair could reach no subscriber).
        let resume!: () => void;
        churnPaused = new Promise<void>((r) => (resume = r));
        await new Promise<void>((r) => (churnIdle = r));
        const port = Number(new URL(sim.url).port);
        const token = sim.token;
        backendEpoch += 1;
        stopOps();
        await sim.stop();
        // Everything the old backend held is gone from the record: each old BundleDeployment
        // must reach subscribers as REMOVED (or they must be told to resync).
        const at = Date.now();
        for (const uid of truth.live) {
          truth.deleted.add(uid);
          history.push({ at, type: 'DELETED', uid });
        }
        truth.live.clear();
        log('  old backend stopped');
        await wait(quick ? 500 : 1_000);
        sim = await startEmptySimulation({
          cleanup: 'prompt',
          fleet: FLEET,
          bookmarkIntervalMs: PROBE_MS,
          port,
          tokens: [token],
        });
        recordBundleDeployments();
        log('  new backend listening');
        stopOps = watchOperations();
        replacedBackends += 1;
        clusters = [...clusters.slice(2), `c-new-${replacedBackends}`];
        await seedClusters(kube);
        await createRepos();
        // The new Fleet settles (its BundleDeployments created), then churn goes on.
        let size = -1;
        const settleBound = Date.now() + 20_000;
        while ((size !== truth.live.size || size === 0) && Date.now() < settleBound) {
          size = truth.live.size;
          await wait(1_000);
        }
        log(`  new backend seeded: ${truth.live.size} BundleDeployments`);
        churnPaused = undefined;
        resume();
      },
      () => undefined,
    );
    await fault(
      'killed leader replica',
      async () => {
        const leader = replicas.find((r) => !stoppedReplicas.has(r) && r.leadership().leading);
        if (!leader) return;
        stoppedReplicas.add(leader);
        await leader.stop({ releaseLease: false });
        const t0 = Date.now();
        while (
          !replicas.some((r) => !stoppedReplicas.has(r) && r.leadership().leading) &&
          Date.now() - t0 < 30_000
        )
          await wait(20);
        takeovers.push(Date.now() - t0);
      },
      async () => {
        await replica();
      },
    );
  }

  churning = false;
  await churnDone;
  sampling = false;
  await samplingDone;
  const finalMs = await timeToConverge();
  // Let subscribers drain their queues before counting.
  await wait(2_000);
  for (const s of subscribers) {
    s.stopped = true;
    await s.client?.dispose();
  }
  stopOps();

  // ─── report ────────────────────────────────────────────────────────────────────────────────
  const expected = new Set<string>();
  for (const uid of truth.created.keys()) expected.add(`${uid}:ADDED`);
  for (const uid of truth.deleted) expected.add(`${uid}:REMOVED`);
  const leaders = replicas.filter((r) => !stoppedReplicas.has(r)).map((r) => r.leadership().leading);
  const twice = [...stepApplies.values()].filter((s) => s.size > 1).length;
  const rows: string[] = [];
  rows.push(
    `chaos run (${quick ? 'quick' : 'full'}): ${CLUSTERS} clusters, ${FAULT_ROUNDS} fault round(s), ${Math.round((Date.now() - started) / 1000)} s`,
  );
  rows.push(`events expected (BundleDeployment ADDED + REMOVED in the emulator's journal): ${expected.size}`);
  for (const s of subscribers) {
    const delivered = [...s.seen.keys()].filter((k) => expected.has(k)).length;
    const covered = [...s.covered].filter((k) => expected.has(k) && !s.seen.has(k)).length;
    const lost = expected.size - delivered - covered;
    const dupByKey = [...s.seen.values()].filter((n) => n > 1).length;
    const missing = [...expected].filter((k) => !s.seen.has(k) && !s.covered.has(k));
    if (missing.length > 0)
      process.stderr.write(
        `${s.name} lost: ${missing
          .slice(0, 8)
          .map((k) => {
            const [uid, type] = k.split(':');
            const h = history.find((x) => x.uid === uid && (x.type === 'ADDED') === (type === 'ADDED'));
            return `${truth.created.get(uid!) ?? '?'}:${type} (${h?.during ?? '?'})`;
          })
          .join(', ')}\n`,
      );
    rows.push(
      `  subscriber ${s.name.padEnd(6)} delivered ${delivered}, lost ${lost}, duplicated after resume ${s.duplicates + dupByKey}, RESYNCs ${s.resyncs} (standing for ${covered} events), resumes ${s.resumes}, freshness changes ${s.freshnessChanges}`,
    );
  }
  rows.push(
    `query answers sampled: ${answers.total}; right ${answers.right} (marked stale ${answers.rightMarkedStale}), wrong but marked stale ${answers.markedStale}, wrong without stale: true ${answers.wrongUnmarked}${answers.examples.length ? ` (${answers.examples.join('; ')})` : ''}, errors ${answers.errors}`,
  );
  rows.push('time to converge after each fault (every live replica answers the emulator’s set):');
  for (const [name, xs] of convergence)
    rows.push(`  ${name.padEnd(22)} p50 ${pct(xs, 50)}, p99 ${pct(xs, 99)} (n=${xs.length})`);
  rows.push(`final convergence after churn stopped: ${Number.isFinite(finalMs) ? `${finalMs} ms` : 'never'}`);
  rows.push(
    `staged operations seen: ${new Set([...stepApplies.keys()].map((k) => k.split('#')[0])).size}, steps applied: ${stepApplies.size}, steps applied twice: ${twice}`,
  );
  rows.push(`backends replaced on the same address: ${replacedBackends}`);
  rows.push(`live replicas leading at the end: ${leaders.filter(Boolean).length} of ${leaders.length}`);
  rows.push(`leader takeover after a kill: p50 ${pct(takeovers, 50)}, p99 ${pct(takeovers, 99)} (lease 3 s)`);
  rows.push(
    `churn: ${retargets} staged retargets started, refused ${JSON.stringify(Object.fromEntries(refusals))}, writes failed by injected faults ${churnErrors.length}${churnErrors.length ? ` (first: ${churnErrors[0]})` : ''}`,
  );
  process.stdout.write(`\n${rows.join('\n')}\n`);

  for (const gw of replicas) if (!stoppedReplicas.has(gw)) await gw.stop();
  await sim.stop();
  const lostAny = subscribers.some((s) => [...expected].some((k) => !s.seen.has(k) && !s.covered.has(k)));
  const repeated = subscribers.some((s) => s.duplicates > 0 || [...s.seen.values()].some((n) => n > 1));
  const failed = lostAny || repeated || twice > 0 || answers.wrongUnmarked > 0 || !Number.isFinite(finalMs);
  process.exitCode = failed ? 1 : 0;
}

const bound = setTimeout(() => {
  process.stderr.write('chaos run exceeded its 10 minute bound\n');
  process.exit(2);
}, 10 * 60_000);
bound.unref();
await main();
