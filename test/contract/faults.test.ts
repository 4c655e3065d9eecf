/**
 * Contract: fault injection, as the layers above the emulator will use it to test their
 * resilience (retries, backoff, relist on 410, watchdogs).
 */
/* eslint-disable @typescript-eslint/no-explicit-any --
   client-node types custom objects as `object`; these tests read arbitrary JSON fields. */
import { ApiException, CoreV1Api, Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';

let t: TestApiServer;
let core: CoreV1Api;

beforeEach(async () => {
  t = await startTestApiServer();
  core = t.kubeConfig.makeApiClient(CoreV1Api);
});

afterEach(async () => {
  await t.stop();
});

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof ApiException) return e.code;
    throw e;
  }
}

async function watch(path: string, query: Record<string, string | number | boolean | undefined> = {}) {
  const events: { type: string; obj: any }[] = [];
  const state: { done: boolean; err: any } = { done: false, err: undefined };
  const ctl = await new Watch(t.kubeConfig).watch(
    path,
    { resourceVersion: t.server.resourceVersion, ...query },
    (type, obj) => events.push({ type, obj }),
    (err) => {
      state.done = true;
      state.err = err;
    },
  );
  return { events, state, ctl };
}

const cm = (name: string) => ({ metadata: { name }, data: { k: name } });

describe('fault injection', () => {
  it('failRequests with a count fails that many matching requests, then recovers', async () => {
    t.server.faults.failRequests({ status: 500, count: 2, match: { verb: 'list', resource: 'configmaps' } });
    expect(await code(core.listNamespace())).toBe(200);
    expect(await code(core.listNamespacedConfigMap({ namespace: 'default' }))).toBe(500);
    expect(await code(core.listNamespacedConfigMap({ namespace: 'default' }))).toBe(500);
    expect(await code(core.listNamespacedConfigMap({ namespace: 'default' }))).toBe(200);
  });

  it('429 carries Retry-After and a TooManyRequests Status', async () => {
    t.server.faults.failRequests({ status: 429, retryAfterSeconds: 7 });
    const res = await fetch(`${t.url}/api/v1/namespaces`, {
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toMatchObject({
      kind: 'Status',
      reason: 'TooManyRequests',
      code: 429,
      details: { retryAfterSeconds: 7 },
    });
    t.server.faults.clear();
    expect(
      (await fetch(`${t.url}/api/v1/namespaces`, { headers: { authorization: `Bearer ${t.token}` } })).status,
    ).toBe(200);
  });

  it('failRequests with a duration stops failing once it has passed', async () => {
    t.server.faults.failRequests({ status: 503, durationMs: 300 });
    expect(await code(core.listNamespace())).toBe(503);
    await expect.poll(() => code(core.listNamespace()), { interval: 50, timeout: 3000 }).toBe(200);
  });

  it('delayResponses slows matching requests only', async () => {
    t.server.faults.delayResponses(300, { verb: 'get' });
    const t0 = performance.now();
    await core.listNamespace();
    const fast = performance.now() - t0;
    const t1 = performance.now();
    await core.readNamespace({ name: 'default' });
    const slow = performance.now() - t1;
    expect(slow).toBeGreaterThanOrEqual(290);
    expect(fast).toBeLessThan(290);
  });

  it('endWatches ends open streams cleanly and reports how many', async () => {
    const a = await watch('/api/v1/configmaps');
    const b = await watch('/api/v1/namespaces');
    expect(t.server.faults.endWatches({ resource: 'configmaps' })).toBe(1);
    await expect.poll(() => a.state.done).toBe(true);
    expect(a.state.err).toBeNull();
    expect(b.state.done).toBe(false);
    b.ctl.abort();
  });

  it('goneOnNextWatch answers the next watch with HTTP 410, once', async () => {
    t.server.faults.goneOnNextWatch({ resource: 'configmaps' });
    const a = await watch('/api/v1/configmaps');
    await expect.poll(() => a.state.done).toBe(true);
    expect(a.state.err?.statusCode ?? a.state.err?.code).toBe(410);
    const b = await watch('/api/v1/configmaps');
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('x') });
    await expect.poll(() => b.events.map((e) => e.type)).toEqual(['ADDED']);
    b.ctl.abort();
  });

  it('goneOnNextWatch in event mode sends an ERROR 410 event and ends the stream', async () => {
    t.server.faults.goneOnNextWatch({ mode: 'event' });
    const a = await watch('/api/v1/configmaps');
    await expect.poll(() => a.events.map((e) => e.type)).toEqual(['ERROR']);
    expect(a.events[0]!.obj).toMatchObject({ kind: 'Status', code: 410 });
    await expect.poll(() => a.state.done).toBe(true);
  });

  it('silenceWatches holds streams open without events until cleared (new watches then work)', async () => {
    const silent = await watch('/api/v1/configmaps', { allowWatchBookmarks: true });
    t.server.faults.silenceWatches({ resource: 'configmaps' });
    const alsoSilent = await watch('/api/v1/configmaps');
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('a') });
    t.server.faults.clear();
    const live = await watch('/api/v1/configmaps', { resourceVersion: '1' });
    await expect.poll(() => live.events.map((e) => `${e.type}:${e.obj.metadata.name}`)).toEqual(['ADDED:a']);
    expect(silent.events).toEqual([]);
    expect(alsoSilent.events).toEqual([]);
    expect(silent.state.done).toBe(false);
    for (const w of [silent, alsoSilent, live]) w.ctl.abort();
  });

  it('outage fails everything with 503 and ends watches until clear()', async () => {
    const w = await watch('/api/v1/configmaps');
    t.server.faults.outage();
    await expect.poll(() => w.state.done).toBe(true);
    expect(await code(core.listNamespace())).toBe(503);
    expect(await code(core.createNamespacedConfigMap({ namespace: 'default', body: cm('x') }))).toBe(503);
    t.server.faults.clear();
    expect(await code(core.listNamespace())).toBe(200);
  });

  it('requests without a valid bearer token get a 401 Status', async () => {
    const none = await fetch(`${t.url}/api/v1/namespaces`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const wrong = await fetch(`${t.url}/api/v1/namespaces`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });
});
