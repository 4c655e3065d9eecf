/**
 * The gateway converges to the API server's truth through the emulator's faults: watches ended
 * under it, forced 410s (HTTP and in-stream), 500s, and silent (half-open) watches, with changes
 * made meanwhile. No delete is lost: the set of BundleDeployments the gateway serves ends equal to
 * the set the API server lists.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../src/gateway/gateway.js';
import type { Simulation } from '../../src/simulator/index.js';
import { graphql } from '../gql/index.js';
import { clusterNs, FleetWriter } from './kube-fixtures.js';
import { startEmptySimulation, startSyncedGateway } from './simulated.js';
import { run } from './support.js';

const Names = graphql(`
  query ResilienceNames {
    bundleDeployments(first: 1000) {
      edges {
        node {
          name
        }
      }
    }
  }
`);

let sim: Simulation;
let gw: Gateway;
let kube: FleetWriter;
let next = 0;

const gatewayNames = async () =>
  ((await run(gw.url, Names)).data?.bundleDeployments.edges.map((e) => e.node.name) ?? []).sort();

async function apiNames(): Promise<string[]> {
  const api = sim.kubeConfig.makeApiClient(CustomObjectsApi);
  const list = (await api.listClusterCustomObject({
    group: 'fleet.cattle.io',
    version: 'v1alpha1',
    plural: 'bundledeployments',
  })) as { items: { metadata: { name: string } }[] };
  return list.items.map((i) => i.metadata.name).sort();
}

/** Adds one deployment and deletes the oldest, so both an add and a delete must come through. */
async function churn(): Promise<void> {
  const names = await apiNames();
  await kube.deployment(`b${next++}`, 'c1', 'app');
  if (names[0]) await kube.delete('bundledeployments', clusterNs('c1'), names[0]);
}

async function converged(): Promise<void> {
  const truth = await apiNames();
  await vi.waitFor(async () => expect(await gatewayNames()).toEqual(truth), {
    timeout: 10_000,
    interval: 20,
  });
}

beforeAll(async () => {
  sim = await startEmptySimulation({ cleanup: 'prompt', controllers: false });
  gw = await startSyncedGateway(sim, {
    // Short server timeouts and watchdog so a silent watch is noticed within a second or so.
    watchTuning: {
      timeoutSeconds: 2,
      watchdogMarginMs: 300,
      backoff: { initialMs: 20, maxMs: 200 },
      minReconnectDelayMs: 10,
      maxReconnectDelayMs: 100,
    },
  });
  kube = new FleetWriter(sim.kubeConfig);
  await kube.cluster('c1', { env: 'prod' });
  for (let i = 0; i < 5; i++) await kube.deployment(`b${next++}`, 'c1', 'app');
  await converged();
});

afterEach(() => {
  sim.apiServer.faults.clear();
});

afterAll(async () => {
  await gw?.stop();
  await sim?.stop();
});

describe('gateway under watch faults', () => {
  it('ended watches', async () => {
    sim.apiServer.faults.endWatches();
    await churn();
    await converged();
  });

  it('410 Gone on the next watch (HTTP status), relisting with the deletes found', async () => {
    sim.apiServer.faults.goneOnNextWatch({ resource: 'bundledeployments', mode: 'status' });
    sim.apiServer.faults.endWatches({ resource: 'bundledeployments' });
    await churn();
    await converged();
  });

  it('410 Gone inside the watch stream', async () => {
    sim.apiServer.faults.goneOnNextWatch({ resource: 'bundledeployments', mode: 'event' });
    sim.apiServer.faults.endWatches({ resource: 'bundledeployments' });
    await churn();
    await converged();
  });

  it('500s on watch', async () => {
    sim.apiServer.faults.failRequests({
      status: 500,
      count: 4,
      match: { verb: 'watch', resource: 'bundledeployments' },
    });
    sim.apiServer.faults.endWatches({ resource: 'bundledeployments' });
    await churn();
    await converged();
  });

  it('a silent (half-open) watch', async () => {
    sim.apiServer.faults.silenceWatches({ resource: 'bundledeployments' });
    await churn();
    sim.apiServer.faults.clear();
    await converged();
    expect((await fetch(gw.url.replace(/graphql$/, 'readyz'))).status).toBe(200);
  });
});
