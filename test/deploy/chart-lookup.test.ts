/**
 * `helm install` and `helm upgrade` of the chart against an API server (the emulator, over HTTP,
 * with its RBAC on): every object the chart renders by default is accepted, and the
 * operation-signing key survives the upgrade. The Secret template looks the existing Secret up
 * (`lookup`) and keeps its key, because a new key would turn every running staged retarget into
 * FAILED; `helm template` cannot look anything up, so only an install against a server shows it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { CHART, helm } from '../support/helm.js';

const NS = 'fleet-graph';
const RELEASE = 'fg';
const SECRET = `${RELEASE}-fleet-graph-operation-signing`;

let t: TestApiServer;
let dir: string;
let kubeconfig: string;

async function helmOk(args: string[]): Promise<string> {
  const r = await helm([...args, '--namespace', NS, '--kubeconfig', kubeconfig]);
  if (r.code !== 0) throw new Error(`helm ${args[0]} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

const signingKey = async () =>
  (await t.kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ name: SECRET, namespace: NS })).data
    ?.key;

beforeAll(async () => {
  t = await startTestApiServer();
  dir = await mkdtemp(join(tmpdir(), 'fleet-graph-helm-'));
  kubeconfig = join(dir, 'kubeconfig');
  await t.server.writeKubeconfig(kubeconfig);
}, 60_000);

afterAll(async () => {
  await t?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('helm install and upgrade against an API server', () => {
  let installedKey: string | undefined;

  it('install creates every default object, with a fresh 64-character signing key', async () => {
    await helmOk(['install', RELEASE, CHART, '--create-namespace']);
    const apps = t.kubeConfig.makeApiClient(AppsV1Api);
    const deployment = await apps.readNamespacedDeployment({ name: `${RELEASE}-fleet-graph`, namespace: NS });
    expect(deployment.spec?.replicas).toBe(2);
    const rbac = t.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    expect((await rbac.readClusterRole({ name: `${RELEASE}-fleet-graph` })).rules?.length).toBeGreaterThan(0);
    installedKey = await signingKey();
    expect(Buffer.from(installedKey ?? '', 'base64').toString()).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(await helmOk(['list', '--short'])).toContain(RELEASE);
  });

  it('upgrade keeps the signing key already in the cluster (lookup), while the release moves on', async () => {
    await helmOk(['upgrade', RELEASE, CHART, '--set', 'replicaCount=3']);
    expect(await signingKey()).toBe(installedKey);
    const apps = t.kubeConfig.makeApiClient(AppsV1Api);
    const deployment = await apps.readNamespacedDeployment({ name: `${RELEASE}-fleet-graph`, namespace: NS });
    expect(deployment.spec?.replicas).toBe(3);
  });

  it('uninstall removes what install created', async () => {
    await helmOk(['uninstall', RELEASE]);
    await expect(
      t.kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ name: SECRET, namespace: NS }),
    ).rejects.toMatchObject({ code: 404 });
    await expect(
      t.kubeConfig
        .makeApiClient(AppsV1Api)
        .readNamespacedDeployment({ name: `${RELEASE}-fleet-graph`, namespace: NS }),
    ).rejects.toMatchObject({ code: 404 });
  });
});
