/**
 * The gateway under attack, on a real socket over the API emulator: each attack is refused with its
 * documented code, nothing reaches the API server, and /healthz keeps answering while floods run.
 *
 * Identity for the per-caller limits comes from a test header through the gateway's `identify`
 * seam (authentication itself is tested elsewhere, against the emulator's real authn/authz).
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { ANONYMOUS } from '../../src/gateway/graphql/index.js';
import { MAX_OPERATION_NAMES } from '../../src/gateway/metrics/graphql.js';
import { MAX_PAGE_SIZE } from '../../src/gateway/server/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { FleetWriter } from '../gateway/kube-fixtures.js';
import { tuning } from '../subscriptions/support.js';
import { codeOf, openSse, probeHealth, raw } from './support.js';

const NS = 'fleet-default';
const PER_ADDRESS = 40;
const PER_IDENTITY = 10;
const MAX_LIST = 100;
const SUBSCRIPTION = 'subscription Flood { bundleDeploymentEvents { type } }';

let api: TestApiServer;
let gw: Gateway;
let base: string;
let port: string;
let custom: CustomObjectsApi;

const createMutation = (name: string) =>
  `mutation { createGitRepo(input: { namespace: "${NS}", name: "${name}", repo: "https://example.com/${name}", ` +
  `targets: [{ clusterName: "c1" }] }) { gitRepo { name } userErrors { code message } } }`;

async function gitRepoNames(): Promise<string[]> {
  const list = (await custom.listNamespacedCustomObject({
    group: 'fleet.cattle.io',
    version: 'v1alpha1',
    namespace: NS,
    plural: 'gitrepos',
  })) as { items: { metadata: { name: string } }[] };
  return list.items.map((i) => i.metadata.name);
}

async function gitRepo(name: string): Promise<{ metadata: { resourceVersion: string }; spec: unknown }> {
  return (await custom.getNamespacedCustomObject({
    group: 'fleet.cattle.io',
    version: 'v1alpha1',
    namespace: NS,
    plural: 'gitrepos',
    name,
  })) as { metadata: { resourceVersion: string }; spec: unknown };
}

beforeAll(async () => {
  api = await startTestApiServer({ fleet: true });
  custom = api.kubeConfig.makeApiClient(CustomObjectsApi);
  const kube = new FleetWriter(api.kubeConfig);
  await kube.cluster('c1', { env: 'dev' });
  await kube.create('gitrepos', NS, {
    metadata: { name: 'app' },
    spec: { repo: 'https://example.com/app', targets: [{ clusterName: 'c1' }] },
  });
  gw = await startGateway({
    config: loadConfig([
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--streams-per-address',
      String(PER_ADDRESS),
      '--streams-per-identity',
      String(PER_IDENTITY),
      '--connections-per-client',
      '1000',
    ]),
    kubeConfig: api.kubeConfig,
    logger: silentLogger(),
    watchTuning: tuning,
    shutdownGraceMs: 200,
    identify: (header) => {
      const user = header('x-test-user');
      return user ? { kind: 'user', name: user, groups: [] } : ANONYMOUS;
    },
  });
  await gw.synced;
  base = gw.url.replace(/\/graphql$/, '');
  port = new URL(gw.url).port;
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await api?.stop();
});

describe('cross-site requests (CSRF)', () => {
  it('refuses form, multipart, text and application/graphql POSTs with 415 and writes nothing', async () => {
    const query = createMutation('csrf-form');
    const attempts: [string, string][] = [
      ['application/x-www-form-urlencoded', new URLSearchParams({ query }).toString()],
      [
        'multipart/form-data; boundary=x',
        `--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query })}\r\n--x--\r\n`,
      ],
      ['text/plain', JSON.stringify({ query })],
      ['application/graphql', query],
    ];
    for (const [type, body] of attempts) {
      const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': type }, body });
      expect(res.status, type).toBe(415);
      expect(codeOf(await res.text()), type).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    // GET never runs a mutation.
    const get = await fetch(`${gw.url}?query=${encodeURIComponent(query)}`);
    expect(get.status).toBe(405);
    expect(await gitRepoNames()).not.toContain('csrf-form');
    // The same mutation as JSON does write: the check above could have failed.
    const ok = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: createMutation('csrf-control') }),
    });
    expect(ok.status).toBe(200);
    expect(await gitRepoNames()).toContain('csrf-control');
  });

  it('refuses a foreign Origin with 403 on HTTP and SSE, and closes its WebSocket with 4403', async () => {
    const evil = { origin: 'https://evil.example' };
    const post = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...evil },
      body: JSON.stringify({ query: createMutation('csrf-origin') }),
    });
    expect(post.status).toBe(403);
    expect(codeOf(await post.text())).toBe('FORBIDDEN_ORIGIN');
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
    const sse = await openSse(gw.url, SUBSCRIPTION, evil);
    sse.close();
    expect(sse.status).toBe(403);
    expect(sse.code).toBe('FORBIDDEN_ORIGIN');
    const eventSource = await fetch(`${gw.url}?query=${encodeURIComponent(SUBSCRIPTION)}`, {
      headers: { accept: 'text/event-stream', ...evil },
    });
    expect(eventSource.status).toBe(403);
    const preflight = await fetch(gw.url, {
      method: 'OPTIONS',
      headers: { ...evil, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const ws = new WebSocket(gw.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: evil });
    const code = await new Promise<number>((resolve) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('close', (c) => resolve(c));
    });
    expect(code).toBe(4403);
    expect(await gitRepoNames()).not.toContain('csrf-origin');
    // Same origin is served.
    const same = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` },
      body: JSON.stringify({ query: '{ version }' }),
    });
    expect(same.status).toBe(200);
  });

  it('refuses a rebinding Host with 421 on HTTP and WebSocket, and writes nothing', async () => {
    const res = await raw(gw.url, {
      method: 'POST',
      headers: { host: `rebind.evil.example:${port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: createMutation('csrf-rebind') }),
    });
    expect(res.status).toBe(421);
    expect(codeOf(res.body)).toBe('MISDIRECTED_REQUEST');
    const page = await raw(gw.url, { headers: { host: 'rebind.evil.example', accept: 'text/html' } });
    expect(page.status).toBe(421);
    const ws = new WebSocket(gw.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
      headers: { host: `rebind.evil.example:${port}` },
    });
    const status = await new Promise<number>((resolve) => {
      // The server answers and closes; the client then reports the aborted handshake.
      ws.on('error', () => undefined);
      ws.on('unexpected-response', (_req, r) => {
        resolve(r.statusCode ?? 0);
        r.resume();
      });
      ws.on('open', () => resolve(101));
    });
    expect(status).toBe(421);
    expect(await gitRepoNames()).not.toContain('csrf-rebind');
    // Loopback names with the port are served, and every answer carries the security headers.
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const ok = await raw(`${base}/graphql?query=%7Bversion%7D`, { headers: { host } });
      expect(ok.status, host).toBe(200);
      expect(ok.headers['x-content-type-options']).toBe('nosniff');
      expect(ok.headers['x-frame-options']).toBe('DENY');
      expect(ok.headers['referrer-policy']).toBe('no-referrer');
      expect(ok.headers['cache-control']).toBe('no-store');
    }
  });
});

describe('values in variables', () => {
  const huge = 2_147_483_647;
  const page = 'query Page($n: Int) { clusters(first: $n) { totalCount } }';

  it('refuses first:$n beyond the page size over HTTP, SSE and WebSocket with INVALID_ARGUMENT', async () => {
    const http = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: page, variables: { n: huge } }),
    });
    const body = (await http.json()) as { data?: unknown; errors: { extensions: Record<string, unknown> }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'first' });
    const sse = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: page, variables: { n: huge } }),
    });
    const text = await sse.text();
    expect(text).toContain('"code":"INVALID_ARGUMENT"');
    expect(text).toContain('"argument":"first"');
    const client = createClient({
      url: gw.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const errors = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: page, variables: { n: huge } },
          { next: (r) => resolve(r.errors), error: resolve, complete: () => undefined },
        );
      });
      expect(JSON.stringify(errors)).toContain('INVALID_ARGUMENT');
    } finally {
      await client.dispose();
    }
    // The largest page is served.
    const ok = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: page, variables: { n: MAX_PAGE_SIZE } }),
    });
    expect(((await ok.json()) as { data: unknown }).data).toEqual({ clusters: { totalCount: 1 } });
  });

  it('refuses over-long list inputs before anything runs, and writes nothing', async () => {
    const before = await gitRepo('app');
    const targets = Array.from({ length: MAX_LIST + 1 }, (_, i) => ({ clusterName: `c${i}` }));
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation R($input: RetargetGitRepoInput!) { retargetGitRepo(input: $input) { userErrors { code } } }`,
        variables: { input: { namespace: NS, name: 'app', targets } },
      }),
    });
    const body = (await res.json()) as { data?: unknown; errors: { extensions: Record<string, unknown> }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'INVALID_ARGUMENT', limit: MAX_LIST });
    expect(String(body.errors[0]!.extensions['argument'])).toContain('targets');
    const paths = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation C($paths: [String!]) { createGitRepo(input: { namespace: "${NS}", name: "too-many-paths", repo: "https://example.com/x", paths: $paths, targets: [{ clusterName: "c1" }] }) { userErrors { code } } }`,
        variables: { paths: Array.from({ length: 5000 }, (_, i) => `p${i}`) },
      }),
    });
    expect(codeOf(await paths.text())).toBe('INVALID_ARGUMENT');
    const after = await gitRepo('app');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(await gitRepoNames()).not.toContain('too-many-paths');
  });

  it('counts __typename aliases in the alias limit', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ');
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ ${aliases} }` }),
    });
    expect(codeOf(await res.text())).toBe('MAX_ALIASES_EXCEEDED');
  });
});

describe('raw', () => {
  it('redacts Helm values and their sources by where they are, whatever their keys say', async () => {
    const kube = new FleetWriter(api.kubeConfig);
    await kube.create('bundles', NS, {
      metadata: { name: 'leaky' },
      spec: {
        helm: {
          chart: 'db',
          values: { db: { pw: 'hunter2' } },
          valuesFrom: [{ secretKeyRef: { name: 'v', key: 'k' } }],
        },
        targets: [{ clusterName: 'c1', helm: { values: { replicas: 3, conn: 'postgres://u:hunter3@db' } } }],
        resources: [{ name: 'cm.yaml', content: 'kind: ConfigMap' }],
      },
    });
    const query = `{ bundle(namespace: "${NS}", name: "leaky") { raw } }`;
    await expect
      .poll(async () => {
        const res = await fetch(gw.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
        return ((await res.json()) as { data?: { bundle: { raw: unknown } | null } }).data?.bundle?.raw;
      })
      .toBeTruthy();
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const raw = ((await res.json()) as { data: { bundle: { raw: { spec: Record<string, unknown> } } } }).data
      .bundle.raw;
    const text = JSON.stringify(raw);
    for (const secret of ['hunter2', 'hunter3', 'secretKeyRef', '"pw"']) expect(text).not.toContain(secret);
    expect(raw.spec).toMatchObject({
      helm: { chart: 'db', values: '[redacted]', valuesFrom: '[redacted]' },
      targets: [{ clusterName: 'c1', helm: { values: '[redacted]' } }],
      resources: [{ name: 'cm.yaml', content: 'kind: ConfigMap' }],
    });
  });
});

/** Opens `n` SSE subscriptions, `batch` at a time, with headers per index. */
async function flood(n: number, headers: (i: number) => Record<string, string>) {
  const opened = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, (_, j) =>
      openSse(gw.url, SUBSCRIPTION, headers(i + j)),
    );
    opened.push(...(await Promise.all(batch)));
  }
  return opened;
}

describe('floods', () => {
  it(`refuses 1,000 SSE subscriptions from one address past ${PER_ADDRESS} with 429, staying healthy`, async () => {
    const health = probeHealth(base);
    // Distinct users, so only the address limit applies.
    const streams = await flood(1000, (i) => ({ 'x-test-user': `user${i}` }));
    const h = await health.stop();
    const accepted = streams.filter((s) => s.status === 200);
    const refused = streams.filter((s) => s.status === 429);
    const stillOpen = accepted.filter((s) => s.open()).length;
    for (const s of streams) s.close();
    console.log(
      `SSE address flood: ${accepted.length} accepted (${stillOpen} still open), ${refused.length} refused; ` +
        `/healthz answered ${h.ok} times, p95 ${h.p95Ms} ms`,
    );
    // Never more open at once than the limit; a slot freed by a stream that ended is reused.
    expect(stillOpen).toBeLessThanOrEqual(PER_ADDRESS);
    expect(stillOpen).toBeGreaterThan(0);
    expect(accepted.length + refused.length).toBe(1000);
    expect(refused.length).toBeGreaterThan(1000 - 3 * PER_ADDRESS);
    expect(
      refused
        .map((s) => [s.code, s.retryAfter])
        .filter(([c, r]) => c !== 'TOO_MANY_SUBSCRIPTIONS' || r !== '5'),
    ).toEqual([]);
    expect(h.ok).toBeGreaterThan(0);
    expect(h.failed).toBe(0);
    // Closed streams free their slots.
    await expect
      .poll(async () => {
        const s = await openSse(gw.url, SUBSCRIPTION);
        s.close();
        return s.status;
      })
      .toBe(200);
  }, 120_000);

  it(`refuses 1,000 SSE subscriptions from one identity past ${PER_IDENTITY}; WebSockets count too`, async () => {
    const health = probeHealth(base);
    const streams = await flood(1000, () => ({ 'x-test-user': 'mallory' }));
    const h = await health.stop();
    console.log(`SSE identity flood: /healthz answered ${h.ok} times, p95 ${h.p95Ms} ms`);
    try {
      const accepted = streams.filter((s) => s.status === 200);
      expect(accepted.filter((s) => s.open()).length).toBeLessThanOrEqual(PER_IDENTITY);
      expect(accepted.length + streams.filter((s) => s.status === 429).length).toBe(1000);
      expect(accepted.length).toBeLessThan(3 * PER_IDENTITY);
      // Another caller at the same address is still served.
      const other = await openSse(gw.url, SUBSCRIPTION, { 'x-test-user': 'alice' });
      other.close();
      expect(other.status).toBe(200);
      // mallory's WebSocket takes a slot of the same count: refused.
      const ws = new WebSocket(gw.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
        headers: { 'x-test-user': 'mallory' },
      });
      const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
        ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
        ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      });
      expect(closed.code).toBe(4429);
      expect(closed.reason).toContain('TOO_MANY_SUBSCRIPTIONS');
      expect(h.failed).toBe(0);
      expect(h.ok).toBeGreaterThan(0);
    } finally {
      for (const s of streams) s.close();
    }
  }, 120_000);

  it('serves 8 concurrent GraphiQL reloaders from cache-friendly files', async () => {
    const health = probeHealth(base);
    let bytes = 0;
    const statuses: number[] = [];
    const reloader = async () => {
      const etags = new Map<string, string>();
      for (let reload = 0; reload < 3; reload++) {
        const page = await fetch(gw.url, { headers: { accept: 'text/html', 'accept-encoding': 'br' } });
        const html = await page.text();
        statuses.push(page.status);
        bytes += Number(page.headers.get('content-length') ?? html.length);
        for (const [, path] of html.matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)) {
          const etag = etags.get(path!);
          const res = await fetch(new URL(path!, gw.url), {
            headers: { 'accept-encoding': 'br', ...(etag ? { 'if-none-match': etag } : {}) },
          });
          statuses.push(res.status);
          await res.arrayBuffer();
          // What went over the wire (compressed), not what fetch decoded.
          bytes += Number(res.headers.get('content-length') ?? 0);
          if (res.status === 200) {
            expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
            etags.set(path!, res.headers.get('etag')!);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, reloader));
    const h = await health.stop();
    console.log(
      `GraphiQL: 8 reloaders × 3 loads moved ${Math.round(bytes / 1024)} KiB over the wire; /healthz answered ${h.ok} times, p95 ${h.p95Ms} ms`,
    );
    expect(statuses.every((s) => s === 200 || s === 304)).toBe(true);
    expect(statuses.filter((s) => s === 304).length).toBeGreaterThan(0);
    expect(h.failed).toBe(0);
    expect(h.ok).toBeGreaterThan(0);
  }, 120_000);

  it('keeps operation-name metrics bounded under 300 names, and a real name still gets its series', async () => {
    const health = probeHealth(base);
    for (let i = 0; i < 300; i++) {
      await fetch(gw.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `query Junk${i} { version }` }),
      });
    }
    await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query RealDashboard { version }' }),
    });
    const h = await health.stop();
    console.log(`300 operation names: /healthz answered ${h.ok} times, p95 ${h.p95Ms} ms`);
    // /metrics has its own port; the API port does not serve it, even to a listed origin.
    const onApi = await fetch(`${base}/metrics`);
    expect(onApi.status).toBe(404);
    expect(new URL(gw.metricsUrl).port).not.toBe(port);
    const scraped = await fetch(gw.metricsUrl, { headers: { origin: 'https://evil.example' } });
    expect(scraped.headers.get('access-control-allow-origin')).toBeNull();
    const text = await scraped.text();
    const ops = new Set(
      [...text.matchAll(/^fleet_graph_graphql_operation_duration_seconds_count\{operation="([^"]+)"/gm)].map(
        (m) => m[1],
      ),
    );
    expect(ops.has('RealDashboard')).toBe(true);
    expect(ops.has('Junk0')).toBe(false);
    expect(ops.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 2);
    expect(h.failed).toBe(0);
  }, 60_000);
});
