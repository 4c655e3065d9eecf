/**
 * Details on demand, through real HTTP: the gateway against the API emulator, with a small
 * recording proxy in between so the test sees every request the gateway makes. Status lists, raw
 * objects, Bundle resource names and Helm values presence come from GETs made while the query
 * runs: one GET per object per operation, all of an operation's GETs in flight together; null
 * when the object is gone since the snapshot; UNAVAILABLE when the API server fails the read.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '../../src/apis/kube.js';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/shared/logger.js';
import { graphql } from '../gql/index.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';
import { FleetWriter } from './kube-fixtures.js';
import { codes, run } from './support.js';

const WS = 'fleet-default';
const CLUSTERS = ['c1', 'c2', 'c3', 'c4', 'c5'];
const clusterNs = (c: string) => `cluster-${WS}-${c}-0123456789ab`;
const API = 'fleet.cattle.io/v1alpha1';
const BD_PATH = /^\/apis\/fleet\.cattle\.io\/v1alpha1\/namespaces\/([^/]+)\/bundledeployments\/([^/?]+)$/;

const Details = graphql(`
  query DeploymentDetails {
    bundleDeployments(first: 100, bundle: "app") {
      edges {
        node {
          namespace
          name
          clusterName
          nonReadyResources {
            kind
            apiVersion
            namespace
            name
            state
            error
            transitioning
            messages
          }
          modifiedResources {
            kind
            apiVersion
            namespace
            name
            missing
            exist
            delete
            patch
          }
          resources {
            kind
            apiVersion
            namespace
            name
            createdAt
          }
          helmValuesStored
          raw
        }
      }
    }
  }
`);

const Others = graphql(`
  query OtherDetails {
    bundle(namespace: "fleet-default", name: "app") {
      resourceNames
      helmValuesStored
      raw
    }
    gitRepo(namespace: "fleet-default", name: "app") {
      raw
    }
    helmOps {
      edges {
        node {
          name
          raw
        }
      }
    }
    clusters(first: 100) {
      edges {
        node {
          name
          raw
        }
      }
    }
    clusterGroups {
      edges {
        node {
          name
          raw
        }
      }
    }
  }
`);

const OneDeployment = graphql(`
  query OneDeploymentDetails($namespace: String!, $name: String!) {
    bundleDeployment(namespace: $namespace, name: $name) {
      name
      nonReadyResources {
        name
      }
      resources {
        name
      }
      helmValuesStored
      raw
    }
  }
`);

/** Requests seen by the proxy, and a gate that holds BundleDeployment GETs until N are in flight. */
interface Recorder {
  readonly requests: { method: string; path: string }[];
  gate: { expected: number; held: (() => void)[]; inFlight: number; maxInFlight: number } | undefined;
}

/** A plain HTTP proxy to the emulator that records each request (watch streams pass through). */
async function startProxy(target: string, rec: Recorder): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    rec.requests.push({ method: req.method ?? 'GET', path });
    const forward = () => {
      const up = request(new URL(path, target), { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        r.on('end', () => {
          if (gated && rec.gate) rec.gate.inFlight--;
        });
      });
      up.on('error', () => res.destroy());
      res.on('close', () => up.destroy());
      req.pipe(up);
    };
    const gate = rec.gate;
    const gated = gate !== undefined && req.method === 'GET' && BD_PATH.test(path);
    if (!gated) return forward();
    gate.inFlight++;
    gate.maxInFlight = Math.max(gate.maxInFlight, gate.inFlight);
    gate.held.push(forward);
    // Released only once every expected GET is in flight: a loader that fetched one at a time would hang here.
    if (gate.held.length >= gate.expected) for (const go of gate.held.splice(0)) go();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function kubeConfigFor(url: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'proxy', server: url, skipTLSVerify: true }],
    users: [{ name: 'proxy', token }],
    contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
    currentContext: 'proxy',
  });
  return kc;
}

const labels = (cluster: string) => ({
  'fleet.cattle.io/bundle-name': 'app',
  'fleet.cattle.io/bundle-namespace': WS,
  'fleet.cattle.io/cluster': cluster,
  'fleet.cattle.io/cluster-namespace': WS,
  'fleet.cattle.io/repo-name': 'app',
  'fleet.cattle.io/managed': 'true',
});

function fleet(): KubeObject[] {
  const id = 's-abc:opts1';
  const objects: KubeObject[] = [];
  for (const [i, c] of CLUSTERS.entries()) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: clusterNs(c), labels: { 'fleet.cattle.io/managed': 'true' } },
    });
    objects.push({
      apiVersion: API,
      kind: 'Cluster',
      metadata: { name: c, namespace: WS, labels: { env: 'prod' } },
      spec: {},
      status: {
        namespace: clusterNs(c),
        agent: { lastSeen: '2026-01-01T00:00:00Z', namespace: 'cattle-fleet-system' },
      },
    } as KubeObject);
    objects.push({
      apiVersion: API,
      kind: 'BundleDeployment',
      metadata: {
        name: 'app',
        namespace: clusterNs(c),
        labels: labels(c),
        managedFields: [{ manager: 'fleet-agent', operation: 'Update' }],
      },
      spec: { deploymentID: id, stagedDeploymentID: id, ...(i === 0 ? { valuesHash: 'h1' } : {}) },
      status: {
        appliedDeploymentID: id,
        ready: false,
        nonModified: false,
        conditions: [{ type: 'Ready', status: 'False' }],
        display: { state: 'NotReady' },
        nonReadyStatus: [
          {
            uid: 'u1',
            kind: 'Deployment',
            apiVersion: 'apps/v1',
            namespace: 'web',
            name: `web-${c}`,
            summary: { state: 'in-progress', transitioning: true, message: ['Available: 0/1', 'waiting'] },
          },
        ],
        modifiedStatus: [
          {
            kind: 'ConfigMap',
            apiVersion: 'v1',
            namespace: 'web',
            name: 'settings',
            patch: '{"data":{"mode":"prod"}}',
          },
          { kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', name: 'extra', delete: true },
        ],
        resources: [
          {
            kind: 'Deployment',
            apiVersion: 'apps/v1',
            namespace: 'web',
            name: `web-${c}`,
            createdAt: '2026-01-01T00:00:00Z',
          },
        ],
      },
    } as KubeObject);
  }
  objects.push(
    {
      apiVersion: API,
      kind: 'GitRepo',
      metadata: { name: 'app', namespace: WS },
      spec: { repo: 'https://example.com/app.git', paths: ['app'] },
    } as KubeObject,
    {
      apiVersion: API,
      kind: 'Bundle',
      metadata: { name: 'app', namespace: WS, labels: { 'fleet.cattle.io/repo-name': 'app' } },
      spec: {
        valuesHash: 'v1',
        resources: [
          { name: 'app/deployment.yaml', content: 'kind: Deployment' },
          { name: 'app/configmap.yaml', content: 'H4sI', encoding: 'base64+gz' },
        ],
        targets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }],
      },
    } as KubeObject,
    {
      apiVersion: API,
      kind: 'ClusterGroup',
      metadata: { name: 'prod', namespace: WS },
      spec: { selector: { matchLabels: { env: 'prod' } } },
    } as KubeObject,
    {
      apiVersion: API,
      kind: 'HelmOp',
      metadata: { name: 'chart', namespace: WS },
      spec: { helm: { chart: 'nginx', repo: 'https://charts.example.com', version: '1.0.0' } },
    } as KubeObject,
  );
  return objects;
}

let api: TestApiServer;
let proxy: { server: Server; url: string };
let gw: Gateway;
const rec: Recorder = { requests: [], gate: undefined };

const bdGets = () =>
  rec.requests.filter((r) => r.method === 'GET' && BD_PATH.test(r.path)).map((r) => r.path);

beforeAll(async () => {
  api = await startTestApiServer({ fleet: true });
  api.server.seed(fleet());
  proxy = await startProxy(api.url, rec);
  gw = await startGateway({
    config: loadConfig(['serve', '--port', '0', '--host', '127.0.0.1'], {}),
    kubeConfig: kubeConfigFor(proxy.url, api.token),
    logger: silentLogger(),
    shutdownGraceMs: 200,
  });
  await gw.synced;
  await vi.waitFor(
    async () =>
      expect((await run(gw.url, Details)).data?.bundleDeployments.edges).toHaveLength(CLUSTERS.length),
    { timeout: 30_000, interval: 50 },
  );
}, 60_000);

afterEach(() => {
  api.server.faults.clear();
  rec.gate = undefined;
});

afterAll(async () => {
  await gw?.stop();
  proxy?.server.closeAllConnections();
  await new Promise((resolve) => proxy?.server.close(resolve));
  await api?.stop();
});

describe('details on demand', () => {
  it('serves BundleDeployment status lists, resources, values presence and the raw object', async () => {
    const r = await run(gw.url, Details);
    expect(r.errors).toBeUndefined();
    const nodes = r.data!.bundleDeployments.edges.map((e) => e.node);
    expect(nodes.map((n) => n.clusterName).sort()).toEqual(CLUSTERS);
    for (const n of nodes) {
      expect(n.nonReadyResources).toEqual([
        {
          kind: 'Deployment',
          apiVersion: 'apps/v1',
          namespace: 'web',
          name: `web-${n.clusterName}`,
          state: 'in-progress',
          error: false,
          transitioning: true,
          messages: ['Available: 0/1', 'waiting'],
        },
      ]);
      expect(n.modifiedResources).toEqual([
        {
          kind: 'ConfigMap',
          apiVersion: 'v1',
          namespace: 'web',
          name: 'settings',
          missing: false,
          exist: false,
          delete: false,
          patch: '{"data":{"mode":"prod"}}',
        },
        {
          kind: 'ClusterRole',
          apiVersion: 'rbac.authorization.k8s.io/v1',
          namespace: null,
          name: 'extra',
          missing: false,
          exist: false,
          delete: true,
          patch: null,
        },
      ]);
      expect(n.resources).toEqual([
        {
          kind: 'Deployment',
          apiVersion: 'apps/v1',
          namespace: 'web',
          name: `web-${n.clusterName}`,
          createdAt: '2026-01-01T00:00:00.000Z',
        },
      ]);
      expect(n.helmValuesStored).toBe(n.clusterName === 'c1');
      const raw = n.raw as KubeObject & { spec: { deploymentID: string } };
      expect(raw.kind).toBe('BundleDeployment');
      expect(raw.metadata).toMatchObject({ name: 'app', namespace: n.namespace });
      expect(raw.metadata.uid).toEqual(expect.any(String));
      expect(raw.metadata).not.toHaveProperty('managedFields');
      expect(raw.spec.deploymentID).toBe('s-abc:opts1');
    }
  });

  it('fetches each BundleDeployment once per operation, all in one batch, and again per operation', async () => {
    rec.gate = { expected: CLUSTERS.length, held: [], inFlight: 0, maxInFlight: 0 };
    const before = rec.requests.length;
    const r = await run(gw.url, Details);
    expect(r.errors).toBeUndefined();
    const gets = bdGets().length;
    const during = rec.requests.slice(before).filter((q) => q.method === 'GET' && BD_PATH.test(q.path));
    // Five fields read from each object: still one GET per object, all in flight together.
    expect(during.map((q) => q.path).sort()).toEqual(
      CLUSTERS.map((c) => `/apis/fleet.cattle.io/v1alpha1/namespaces/${clusterNs(c)}/bundledeployments/app`),
    );
    expect(rec.gate.maxInFlight).toBe(CLUSTERS.length);
    // A second operation has its own loader: nothing is served from the first one's cache.
    rec.gate = undefined;
    await run(gw.url, Details);
    expect(bdGets().length - gets).toBe(CLUSTERS.length);
  });

  it('serves raw objects of every kind, and Bundle resource names without content', async () => {
    const r = await run(gw.url, Others);
    expect(r.errors).toBeUndefined();
    const d = r.data!;
    expect(d.bundle?.resourceNames).toEqual(['app/deployment.yaml', 'app/configmap.yaml']);
    expect(d.bundle?.helmValuesStored).toBe(true);
    expect(d.bundle?.raw).toMatchObject({ kind: 'Bundle', metadata: { name: 'app', namespace: WS } });
    expect(d.gitRepo?.raw).toMatchObject({
      kind: 'GitRepo',
      spec: { repo: 'https://example.com/app.git' },
    });
    expect(d.helmOps.edges.map((e) => e.node.raw)).toEqual([
      expect.objectContaining({ kind: 'HelmOp', metadata: expect.objectContaining({ name: 'chart' }) }),
    ]);
    expect(d.clusters.edges.map((e) => (e.node.raw as KubeObject).metadata.name).sort()).toEqual(CLUSTERS);
    expect(d.clusterGroups.edges.map((e) => e.node.raw)).toEqual([
      expect.objectContaining({ kind: 'ClusterGroup', spec: { selector: { matchLabels: { env: 'prod' } } } }),
    ]);
  });

  it('answers null for an object deleted since the snapshot', async () => {
    // The watch goes silent, so the gateway's snapshot still has the deployment the API server deleted.
    api.server.faults.silenceWatches({ resource: 'bundledeployments' });
    const kube = new FleetWriter(api.kubeConfig);
    await kube.delete('bundledeployments', clusterNs('c5'), 'app');
    const r = await run(gw.url, OneDeployment, { namespace: clusterNs('c5'), name: 'app' });
    expect(r.errors).toBeUndefined();
    expect(r.data?.bundleDeployment).toEqual({
      name: 'app',
      nonReadyResources: null,
      resources: null,
      helmValuesStored: null,
      raw: null,
    });
    // Let the watch resume so the store catches up.
    api.server.faults.clear();
    api.server.faults.endWatches({ resource: 'bundledeployments' });
  });

  it('answers UNAVAILABLE on the field when the API server fails the read', async () => {
    api.server.faults.failRequests({ status: 500, match: { verb: 'get', resource: 'bundledeployments' } });
    const before = bdGets().length;
    const r = await run(gw.url, OneDeployment, { namespace: clusterNs('c1'), name: 'app' });
    expect(r.data?.bundleDeployment).toEqual({
      name: 'app',
      nonReadyResources: null,
      resources: null,
      helmValuesStored: null,
      raw: null,
    });
    expect(new Set(codes(r))).toEqual(new Set(['UNAVAILABLE']));
    expect(r.errors?.map((e) => e.path?.join('.')).sort()).toEqual([
      'bundleDeployment.helmValuesStored',
      'bundleDeployment.nonReadyResources',
      'bundleDeployment.raw',
      'bundleDeployment.resources',
    ]);
    // One failed GET for the operation, however many fields needed it.
    expect(bdGets().length - before).toBe(1);
    api.server.faults.clear();
    const ok = await run(gw.url, OneDeployment, { namespace: clusterNs('c1'), name: 'app' });
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.bundleDeployment?.helmValuesStored).toBe(true);
  });
});
