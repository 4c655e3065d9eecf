/** kube/'s small fetch and write API over client-node, against the fake API server. */
import { afterEach, describe, expect, it } from 'vitest';
import { GITREPOS, NAMESPACES } from '../../src/apis/gvr.js';
import type { KubeObject } from '../../src/apis/kube.js';
import { KubeClient } from '../../src/gateway/kube/client.js';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.js';

let api: FakeApiServer | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

async function setup() {
  api = await startFakeApiServer();
  const repo = api.put('gitrepos', {
    metadata: { name: 'repo', namespace: 'fleet-default' },
    spec: { repo: 'https://example.com/r', paused: false },
  } as KubeObject);
  api.put('namespaces', {
    metadata: { name: 'fleet-default', creationTimestamp: '2026-01-01T00:00:00Z' },
  });
  return { api, repo, client: new KubeClient(api.kubeConfig()) };
}

describe('KubeClient', () => {
  it('gets raw objects, null when missing, Namespaces with string timestamps', async () => {
    const { client } = await setup();
    const got = await client.getObject(GITREPOS, 'fleet-default', 'repo');
    expect(got).toMatchObject({ metadata: { name: 'repo' }, spec: { repo: 'https://example.com/r' } });
    await expect(client.getObject(GITREPOS, 'fleet-default', 'nope')).resolves.toBeNull();
    const ns = await client.getObject(NAMESPACES, undefined, 'fleet-default');
    expect(ns?.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z');
  });

  it('merge-patches with a resourceVersion precondition, sending the merge-patch content type', async () => {
    const { client, repo, api } = await setup();
    const patched = await client.mergePatch(
      GITREPOS,
      'fleet-default',
      'repo',
      { spec: { paused: true } },
      { resourceVersion: repo.metadata.resourceVersion! },
    );
    expect(patched).toMatchObject({ spec: { paused: true, repo: 'https://example.com/r' } });
    expect(patched.metadata.resourceVersion).not.toBe(repo.metadata.resourceVersion);
    expect(api.requests.find((r) => r.method === 'PATCH')?.contentType).toBe('application/merge-patch+json');
  });

  it('maps a stale resourceVersion to CONFLICT and a missing object to NOT_FOUND', async () => {
    const { client, repo } = await setup();
    await client.mergePatch(GITREPOS, 'fleet-default', 'repo', { spec: { paused: true } });
    await expect(
      client.mergePatch(
        GITREPOS,
        'fleet-default',
        'repo',
        { spec: { paused: false } },
        { resourceVersion: repo.metadata.resourceVersion! },
      ),
    ).rejects.toMatchObject({ name: 'FleetGraphError', code: 'CONFLICT' });
    await expect(client.mergePatch(GITREPOS, 'fleet-default', 'nope', { spec: {} })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('aborts a request through its signal', async () => {
    const { client } = await setup();
    const ac = new AbortController();
    ac.abort();
    await expect(client.getObject(GITREPOS, 'fleet-default', 'repo', ac.signal)).rejects.toMatchObject({
      name: 'KubeRequestError',
      status: 0,
    });
  });
});
