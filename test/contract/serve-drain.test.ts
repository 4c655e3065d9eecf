/**
 * Contract: `fleet-graph serve` drains on SIGTERM. The real CLI runs against a simulated Fleet
 * reached through a small HTTP relay in this test, which holds the gateway's GitRepo create so a
 * mutation is provably in flight when the signal arrives. Then: /readyz answers 503 while the
 * mutation is still running, the mutation completes normally, WebSocket clients are closed with
 * 1012 (Service Restart), an SSE stream ends with its `complete` event, the leader Lease is
 * released (empty holder, leaseDurationSeconds 1), and the process exits 0.
 */
import { CoordinationV1Api } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Simulation } from '../../src/simulator/index.js';
import { startEmptySimulation } from '../gateway/simulated.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;
let sim: Simulation;
let relay: Server;
/** GitRepo creates the relay holds back until the test lets them through. */
const held: (() => void)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-graph-drain-'));
  sim = await startEmptySimulation({ cleanup: 'prompt' });
  relay = createServer((req, res) => {
    const forward = () => {
      const up = request(`${sim.url}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      res.on('close', () => up.destroy());
      req.pipe(up);
    };
    if (req.method === 'POST' && (req.url ?? '').includes('/gitrepos')) held.push(forward);
    else forward();
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  relay?.closeAllConnections();
  await new Promise<void>((r) => (relay ? relay.close(() => r()) : r()));
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('drains on SIGTERM: readiness first, the in-flight mutation finishes, clients are told, the Lease is released, exit 0', async () => {
  const kubeconfig = join(dir, 'kubeconfig');
  const server = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses plain HTTP unless TLS verification is declared off.
      clusters: [{ name: 'sim', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'test', user: { token: sim.token } }],
      contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'test' } }],
      'current-context': 'sim',
    }),
  );
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/main.ts',
      'serve',
      '--backend',
      'kubeconfig',
      '--kubeconfig',
      kubeconfig,
      '--port',
      '0',
      '--log-level',
      'warn',
      '--log-format',
      'json',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const leases = sim.kubeConfig.makeApiClient(CoordinationV1Api);
  const lease = () => leases.readNamespacedLease({ name: 'fleet-graph-leader', namespace: 'default' });
  try {
    await expect.poll(() => /GraphiQL at (\S+)/.exec(out)?.[1], { timeout: 30_000 }).toBeDefined();
    const url = /GraphiQL at (\S+)/.exec(out)![1]!;
    const base = url.replace(/\/graphql$/, '');
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status, { timeout: 20_000 }).toBe(200);
    await expect
      .poll(async () => (await lease()).spec?.holderIdentity ?? '', { timeout: 20_000 })
      .not.toBe('');

    // A WebSocket subscriber and an SSE subscriber.
    const closes: number[] = [];
    let wsEnded = false;
    const ws = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      on: { closed: (e) => closes.push((e as { code: number }).code) },
    });
    ws.subscribe(
      { query: 'subscription { bundleDeploymentEvents { type cursor } }' },
      { next: () => undefined, error: () => (wsEnded = true), complete: () => (wsEnded = true) },
    );
    const sse = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { bundleDeploymentEvents { type cursor } }' }),
    }).then((res) => res.text());
    await expect
      .poll(async () => {
        const text = await (await fetch(/^metrics at (\S+)/m.exec(out)![1]!)).text();
        return Number(/^fleet_graph_subscription_engine_subscribers (\d+)$/m.exec(text)?.[1] ?? 0);
      })
      .toBe(2);

    // A mutation in flight: its create is held by the relay.
    const mutation = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation { createGitRepo(input: { namespace: "fleet-default", name: "drained", repo: "https://example.com/x", targets: [{ clusterGroup: "default" }] }) {
          userErrors { code message } gitRepo { name } } }`,
      }),
    }).then(async (res) => ({ status: res.status, body: await res.json() }));
    let settled: unknown;
    void mutation.then((m) => (settled = m));
    await expect.poll(() => [held.length, settled]).toEqual([1, undefined]);

    child.kill('SIGTERM');
    // Readiness fails at once, while the listener still answers (the mutation keeps it open).
    await expect.poll(async () => (await fetch(`${base}/readyz`)).status).toBe(503);
    held.shift()!();
    const answered = await mutation;
    expect(answered.status).toBe(200);
    expect(answered.body.errors).toBeUndefined();
    expect(answered.body.data.createGitRepo).toEqual({ userErrors: [], gitRepo: { name: 'drained' } });

    expect(await exited).toBe(0);
    expect(closes).toContain(1012);
    expect(wsEnded).toBe(true);
    await ws.dispose();
    const stream = await sse;
    expect(stream).toMatch(/event: complete/);
    const released = await lease();
    expect(released.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(err.split('\n').filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 90_000);
