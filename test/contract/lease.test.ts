/**
 * Contract: coordination.k8s.io/v1 Lease as client-node 1.4 and kubectl see it on the emulator —
 * discovery, CRUD with resourceVersion preconditions, watch, and the MicroTime decoding a real API
 * server applies to acquireTime/renewTime (six fractional digits, or 400).
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return --
   error bodies and watch events are read as arbitrary JSON. */
import {
  ApiException,
  CoordinationV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  Watch,
  type V1Lease,
} from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { microTimeParseError } from '../../src/simulator/apiserver/lease.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { kubectl, kubectlBinary } from '../support/kubectl.js';

let t: TestApiServer;
let api: CoordinationV1Api;

beforeEach(async () => {
  t = await startTestApiServer({});
  api = t.kubeConfig.makeApiClient(CoordinationV1Api);
});

afterEach(async () => {
  await t.stop();
});

async function failure(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return { code: e.code, body: JSON.parse(e.body as string) };
    throw e;
  }
  throw new Error('expected the request to fail');
}

function lease(name: string, spec: Record<string, unknown>): V1Lease {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec };
}

describe('Lease on the emulator', () => {
  it('is discoverable as a namespaced resource of coordination.k8s.io/v1', async () => {
    const res = await fetch(`${t.url}/apis/coordination.k8s.io/v1`, {
      headers: { authorization: `Bearer ${t.token}` },
    });
    const list = (await res.json()) as {
      resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[];
    };
    const leases = list.resources.find((r) => r.name === 'leases');
    expect(leases).toMatchObject({ namespaced: true, kind: 'Lease' });
    expect(leases?.verbs).toEqual(
      expect.arrayContaining(['create', 'get', 'list', 'watch', 'update', 'patch', 'delete']),
    );
  });

  it('creates, reads, lists, updates with a precondition and deletes; a stale update is 409', async () => {
    const now = new V1MicroTime();
    const created = await api.createNamespacedLease({
      namespace: 'default',
      body: lease('l1', {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      }),
    });
    const rv = created.metadata?.resourceVersion;
    expect(rv).toMatch(/^\d+$/);
    // Read back as the string the server stored: six fractional digits.
    const got = await api.readNamespacedLease({ name: 'l1', namespace: 'default' });
    expect(String(got.spec?.renewTime)).toMatch(/\.\d{6}Z$/);
    expect(got.spec?.holderIdentity).toBe('a');
    const list = await api.listNamespacedLease({ namespace: 'default' });
    expect(list.items.map((l) => l.metadata?.name)).toEqual(['l1']);

    const renewed = await api.replaceNamespacedLease({
      name: 'l1',
      namespace: 'default',
      body: { ...got, spec: { ...got.spec, renewTime: new V1MicroTime() } },
    });
    expect(renewed.metadata?.resourceVersion).not.toBe(rv);
    // The same read resourceVersion again: someone else wrote in between → Conflict.
    const stale = await failure(
      api.replaceNamespacedLease({
        name: 'l1',
        namespace: 'default',
        body: { ...got, spec: { ...got.spec, holderIdentity: 'b' } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect((await api.readNamespacedLease({ name: 'l1', namespace: 'default' })).spec?.holderIdentity).toBe(
      'a',
    );

    const patched = await api.patchNamespacedLease(
      {
        name: 'l1',
        namespace: 'default',
        body: {
          metadata: { resourceVersion: renewed.metadata?.resourceVersion },
          spec: { holderIdentity: 'c' },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(patched.spec?.holderIdentity).toBe('c');
    await api.deleteNamespacedLease({ name: 'l1', namespace: 'default' });
    expect((await failure(api.readNamespacedLease({ name: 'l1', namespace: 'default' }))).code).toBe(404);
  });

  it('refuses a MicroTime with three fractional digits with 400 and Go parse wording, writing nothing', async () => {
    const bad = await failure(
      api.createNamespacedLease({
        namespace: 'default',
        // A plain Date serialises with milliseconds: what a real API server refuses.
        body: lease('l2', { holderIdentity: 'a', renewTime: '2026-12-03T14:15:46.103Z' }),
      }),
    );
    expect(bad.code).toBe(400);
    expect(bad.body.reason).toBe('BadRequest');
    expect(bad.body.message).toBe(
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-12-03T14:15:46.103Z" as ' +
        '"2006-01-02T15:04:05.000000Z07:00": cannot parse ".103Z" as ".000000"',
    );
    expect((await failure(api.readNamespacedLease({ name: 'l2', namespace: 'default' }))).code).toBe(404);

    // An update is decoded the same way; the stored object stays as it was.
    const ok = await api.createNamespacedLease({
      namespace: 'default',
      body: lease('l3', { holderIdentity: 'a', acquireTime: '2026-12-03T14:15:46.103000Z' }),
    });
    const upd = await failure(
      api.replaceNamespacedLease({
        name: 'l3',
        namespace: 'default',
        body: { ...ok, spec: { ...ok.spec, acquireTime: '2026-12-03T14:15:46Z' as unknown as V1MicroTime } },
      }),
    );
    expect(upd.code).toBe(400);
    expect(upd.body.message).toContain('cannot parse "Z" as ".000000"');
    const after = await api.readNamespacedLease({ name: 'l3', namespace: 'default' });
    expect(after.metadata?.resourceVersion).toBe(ok.metadata?.resourceVersion);
  });

  it('validates the spec as the API server does (422 with field causes)', async () => {
    const bad = await failure(
      api.createNamespacedLease({
        namespace: 'default',
        body: lease('l4', { leaseDurationSeconds: 0, leaseTransitions: -1 }),
      }),
    );
    expect(bad.code).toBe(422);
    expect(bad.body.details.causes.map((c: any) => c.field)).toEqual([
      'spec.leaseDurationSeconds',
      'spec.leaseTransitions',
    ]);
  });

  it('streams changes to a watch', async () => {
    const seen: string[] = [];
    const watch = new Watch(t.kubeConfig);
    let done = false;
    const req = await watch.watch(
      '/apis/coordination.k8s.io/v1/namespaces/default/leases',
      {},
      (type: string, obj: any) => seen.push(`${type}:${obj.spec?.holderIdentity ?? ''}`),
      () => {
        done = true;
      },
    );
    const created = await api.createNamespacedLease({
      namespace: 'default',
      body: lease('l5', { holderIdentity: 'x' }),
    });
    await api.replaceNamespacedLease({
      name: 'l5',
      namespace: 'default',
      body: { ...created, spec: { holderIdentity: 'y' } },
    });
    await expect.poll(() => seen).toEqual(['ADDED:x', 'MODIFIED:y']);
    req.abort();
    await expect.poll(() => done).toBe(true);
  });
});

describe('Lease through the real kubectl', () => {
  it('lists leases with their holder and creates one from a manifest', async () => {
    await kubectlBinary();
    const dir = await mkdtemp(join(tmpdir(), 'fleet-graph-lease-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      await t.server.writeKubeconfig(kubeconfig);
      const run = (args: string[], stdin?: string) =>
        kubectl(args, { kubeconfig, cacheDir: join(dir, 'cache'), stdin });
      const applied = await run(
        ['create', '-f', '-'],
        JSON.stringify(lease('by-kubectl', { holderIdentity: 'kubectl-host_1', leaseDurationSeconds: 15 })),
      );
      expect(applied.stderr).toBe('');
      expect(applied.stdout).toBe('lease.coordination.k8s.io/by-kubectl created\n');
      const got = await run(['get', 'leases', '-n', 'default']);
      expect(got.stdout).toMatch(/^NAME\s+HOLDER\s+AGE\nby-kubectl\s+kubectl-host_1\s+\d+s\n$/);
      const resources = await run(['api-resources', '--api-group', 'coordination.k8s.io']);
      expect(resources.stdout).toMatch(/leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('microTimeParseError (Go time.Parse with RFC3339Micro)', () => {
  it.each([
    ['2026-12-03T14:15:46.103000Z', undefined],
    ['2026-12-03T14:15:46.103000+02:00', undefined],
    ['2026-12-03T14:15:46.103Z', 'cannot parse ".103Z" as ".000000"'],
    ['2026-12-03T14:15:46Z', 'cannot parse "Z" as ".000000"'],
    ['2026-12-03T14:15:46.1030000Z', 'cannot parse "0Z" as "Z07:00"'],
    ['2026-13-03T14:15:46.103000Z', 'month out of range'],
    ['2026-12-03 14:15:46.103000Z', 'cannot parse " 14:15:46.103000Z" as "T"'],
    ['2026-12-03T14:15:46.103000Zjunk', 'extra text: "junk"'],
  ])('%s', (value, expected) => {
    const err = microTimeParseError(value);
    if (expected === undefined) expect(err).toBeUndefined();
    else expect(err).toContain(expected);
  });
});
