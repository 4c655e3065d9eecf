/**
 * Contract: Fleet's real CustomResourceDefinitions (`../shared/fleet-crds.yaml`, test data kept
 * outside the repository) applied to a fresh emulator through its HTTP API, then used to create the
 * objects the simulator and gateway work with. Also checks that the project's own CRDs agree with
 * the real ones on what clients see: scope, categories, status subresource, printer columns.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return --
   client-node types custom objects as `object`; these tests read arbitrary JSON fields. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetCustomResourceDefinitions } from '../../src/simulator/crds/fleet.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FILE = join(ROOT, '..', 'shared', 'fleet-crds.yaml');
const present = existsSync(FILE);
if (!present)
  console.warn(
    `skipping the Fleet CRD contract: ${FILE} (../shared/fleet-crds.yaml from the repo root) is absent`,
  );

const group = 'fleet.cattle.io';
const version = 'v1alpha1';
const apiVersion = `${group}/${version}`;

describe.skipIf(!present)('Fleet real CRDs (../shared/fleet-crds.yaml)', () => {
  let t: TestApiServer;
  let crds: any[];
  let co: CustomObjectsApi;

  beforeAll(async () => {
    crds = parseAllDocuments(readFileSync(FILE, 'utf8'))
      .map((d) => d.toJSON())
      .filter((o: any) => o?.kind === 'CustomResourceDefinition');
    t = await startTestApiServer();
    // Raw HTTP: client-node's typed serializer drops the `x-kubernetes-*` schema keys of plain JSON.
    for (const body of crds) {
      const res = await fetch(`${t.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.text()).toBe(201);
    }
    const core = t.kubeConfig.makeApiClient(CoreV1Api);
    for (const name of ['fleet-local', 'cluster-fleet-local-local-1a3d67d0a899'])
      await core.createNamespace({ body: { metadata: { name } } });
    co = t.kubeConfig.makeApiClient(CustomObjectsApi);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('every CRD is established and its kind is served', async () => {
    const ext = t.kubeConfig.makeApiClient(ApiextensionsV1Api);
    const list = await ext.listCustomResourceDefinition();
    expect(list.items.map((c) => c.metadata!.name).sort()).toEqual(crds.map((c) => c.metadata.name).sort());
    for (const c of list.items)
      expect(c.status!.conditions!.find((x) => x.type === 'Established')?.status).toBe('True');
    const res = await fetch(`${t.url}/apis/${group}/${version}`, {
      headers: { authorization: `Bearer ${t.token}` },
    });
    const names = (await res.json()).resources.map((r: any) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['gitrepos', 'bundles', 'bundledeployments', 'clusters', 'gitrepos/status']),
    );
  });

  it('creates a GitRepo, Bundle, BundleDeployment and Cluster, and writes their status', async () => {
    const ns = 'fleet-local';
    const gitRepo: any = await co.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'gitrepos',
      body: {
        apiVersion,
        kind: 'GitRepo',
        metadata: { name: 'simple' },
        spec: {
          repo: 'https://github.com/rancher/fleet-examples',
          paths: ['simple'],
          targets: [{ clusterSelector: { matchLabels: { env: 'dev' } } }],
        },
      },
    });
    expect(gitRepo.spec.targets[0].clusterSelector.matchLabels).toEqual({ env: 'dev' });
    const cluster: any = await co.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'clusters',
      body: {
        apiVersion,
        kind: 'Cluster',
        metadata: { name: 'local', labels: { env: 'dev' } },
        spec: { kubeConfigSecret: 'local-kubeconfig' },
      },
    });
    expect(cluster.metadata.generation).toBe(1);
    const bundle: any = await co.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'bundles',
      body: {
        apiVersion,
        kind: 'Bundle',
        metadata: { name: 'simple-simple', labels: { 'fleet.cattle.io/repo-name': 'simple' } },
        spec: {
          resources: [{ name: 'cm.yaml', content: 'kind: ConfigMap' }],
          targets: [{ clusterSelector: { matchLabels: { env: 'dev' } } }],
        },
      },
    });
    expect(bundle.spec.resources).toHaveLength(1);
    const bd: any = await co.createNamespacedCustomObject({
      group,
      version,
      namespace: 'cluster-fleet-local-local-1a3d67d0a899',
      plural: 'bundledeployments',
      body: {
        apiVersion,
        kind: 'BundleDeployment',
        metadata: {
          name: 'simple-simple',
          labels: { 'fleet.cattle.io/bundle-name': 'simple-simple', 'fleet.cattle.io/bundle-namespace': ns },
        },
        spec: { deploymentID: 's-abc:123', stagedDeploymentID: 's-abc:123', options: {}, stagedOptions: {} },
      },
    });
    expect(bd.spec.deploymentID).toBe('s-abc:123');
    const status: any = await co.patchNamespacedCustomObjectStatus(
      {
        group,
        version,
        namespace: 'cluster-fleet-local-local-1a3d67d0a899',
        plural: 'bundledeployments',
        name: 'simple-simple',
        body: {
          status: {
            appliedDeploymentID: 's-abc:123',
            ready: true,
            display: { deployed: 'True', monitored: 'True', state: 'Ready' },
            conditions: [{ type: 'Ready', status: 'True', message: '' }],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(status.status.display.state).toBe('Ready');
    expect(status.metadata.generation).toBe(1);
    // The real schemas reject what they should.
    try {
      await co.createNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural: 'gitrepos',
        body: { apiVersion, kind: 'GitRepo', metadata: { name: 'bad' }, spec: { paused: 'yes' } },
      });
      expect.unreachable('expected 422');
    } catch (e) {
      expect(e).toBeInstanceOf(ApiException);
      expect((e as ApiException<string>).code).toBe(422);
    }
  });

  it("the project's own CRDs match the real ones in scope, categories, subresources and printer columns", () => {
    for (const mine of fleetCustomResourceDefinitions()) {
      const real = crds.find((c) => c.metadata.name === mine.metadata.name);
      expect(real, mine.metadata.name).toBeDefined();
      expect(mine.spec.scope).toBe(real.spec.scope);
      expect(mine.spec.names.kind).toBe(real.spec.names.kind);
      expect(mine.spec.names.categories ?? []).toEqual(real.spec.names.categories ?? []);
      const [mv] = mine.spec.versions;
      const rv = real.spec.versions.find((v: any) => v.name === mv!.name);
      expect(mv!.subresources?.status !== undefined, mine.metadata.name).toBe(
        rv.subresources?.status !== undefined,
      );
      const cols = (v: any) => (v.additionalPrinterColumns ?? []).map((c: any) => [c.name, c.jsonPath]);
      expect(cols(mv), mine.metadata.name).toEqual(cols(rv));
    }
  });
});
