/**
 * The simulated Fleet and a gateway over it, started the way the cross-layer tests start them: an
 * empty management cluster on a random local port, and a gateway that reconnects quickly and stops
 * fast. Each test passes only what it varies (clock, cleanup, step delays, watch tuning).
 */
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startSimulation, type Simulation, type SimulationOptions } from '../../src/simulator/index.js';
import type { FleetWriter } from './kube-fixtures.js';

const WS = 'fleet-default';

/** One simulated second per controller stage, GitRepo status rolled up after three. */
export const STEP_DELAYS = {
  jobDelayMs: 1_000,
  applyDelayMs: 1_000,
  readyDelayMs: 1_000,
  gitRepoStatusDelayMs: 3_000,
} as const;

/** An empty simulated management cluster on 127.0.0.1, one port picked by the OS. */
export function startEmptySimulation(
  opts: Pick<SimulationOptions, 'cleanup'> & Partial<SimulationOptions>,
): Promise<Simulation> {
  return startSimulation({
    port: 0,
    host: '127.0.0.1',
    scenario: 'empty',
    speed: 1,
    scaleClusters: 1,
    scaleBundles: 1,
    logger: silentLogger(),
    ...opts,
  });
}

/** A gateway over the simulator's API server, resolved once every kind is listed. */
export async function startSyncedGateway(
  sim: Simulation,
  opts: Partial<Omit<GatewayOptions, 'kubeConfig'>> = {},
): Promise<Gateway> {
  const gw = await startGateway({
    config: loadConfig(['serve', '--port', '0', '--host', '127.0.0.1'], {}),
    kubeConfig: sim.kubeConfig,
    logger: silentLogger(),
    watchTuning: { backoff: { initialMs: 20, maxMs: 200 }, minReconnectDelayMs: 10 },
    shutdownGraceMs: 200,
    ...opts,
  });
  await gw.synced;
  return gw;
}

/** Clusters eu-1 and eu-2 (`env=prod`) and us-1 (`env=dev`). */
export async function createThreeClusters(kube: FleetWriter): Promise<void> {
  for (const [name, env] of [
    ['eu-1', 'prod'],
    ['eu-2', 'prod'],
    ['us-1', 'dev'],
  ] as const) {
    await kube.create('clusters', WS, { metadata: { name, labels: { env } }, spec: {} });
  }
}

/** GitRepo `app`: two paths (Bundles app-a and app-b), one target selecting every cluster. */
export async function createAppGitRepo(kube: FleetWriter): Promise<void> {
  await kube.create('gitrepos', WS, {
    metadata: { name: 'app' },
    spec: {
      repo: 'https://example.com/app',
      paths: ['a', 'b'],
      targets: [{ name: 'all', clusterSelector: {} }],
    },
  });
}
