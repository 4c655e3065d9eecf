/**
 * The embedded default backend: a Kubernetes API emulator with Fleet's CRDs installed, the Fleet
 * workspaces created, and (added by the simulated-Fleet work) controllers and scenarios.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../apis/kube.js';
import { SystemClock, type Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { startApiServer, type ApiServer } from './apiserver/index.js';
import { fleetCustomResourceDefinitions } from './crds/fleet.js';

export interface SimulationOptions {
  readonly port: number;
  readonly host: string;
  readonly scenario: 'demo' | 'empty' | 'scale';
  readonly fixture?: string | undefined;
  readonly cleanup: 'prompt' | 'legacy';
  readonly speed: number;
  readonly scaleClusters: number;
  readonly scaleBundles: number;
  readonly logger: Logger;
  /** Defaults to a SystemClock running at `speed`. */
  readonly clock?: Clock;
  /** Bearer tokens the emulator accepts; default one random token. */
  readonly tokens?: string[];
}

export interface Simulation {
  /** Base URL of the API emulator, e.g. `http://127.0.0.1:6443`. */
  readonly url: string;
  /** A bearer token the emulator accepts. */
  readonly token: string;
  /** A client-node KubeConfig pointing at the emulator with that token. */
  readonly kubeConfig: KubeConfig;
  /** The emulator itself: seeding, fault injection. */
  readonly apiServer: ApiServer;
  writeKubeconfig(file: string): Promise<void>;
  stop(): Promise<void>;
}

/** The Fleet workspaces every management cluster has (fleet-model.md §8.1). */
export const FLEET_WORKSPACES = ['fleet-local', 'fleet-default'];

/**
 * Installs Fleet's CRDs and the workspaces into an emulator through its own create path, as
 * `helm install fleet-crd` and the Fleet controller's bootstrap would.
 */
export function installFleet(apiServer: ApiServer): void {
  const objects: KubeObject[] = [
    ...fleetCustomResourceDefinitions(),
    ...FLEET_WORKSPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
  ];
  apiServer.seed(objects);
}

export async function startSimulation(opts: SimulationOptions): Promise<Simulation> {
  const clock = opts.clock ?? new SystemClock(opts.speed);
  const apiServer = await startApiServer({
    port: opts.port,
    host: opts.host,
    clock,
    logger: opts.logger,
    ...(opts.tokens ? { tokens: opts.tokens } : {}),
  });
  try {
    installFleet(apiServer);
    if (opts.scenario !== 'empty') {
      opts.logger.warn({ scenario: opts.scenario }, 'scenario not available yet; starting empty');
    }
  } catch (e) {
    await apiServer.stop();
    throw e;
  }
  const kubeConfig = apiServer.kubeConfig();
  return {
    url: apiServer.url,
    token: apiServer.token,
    kubeConfig,
    apiServer,
    writeKubeconfig: (file) => apiServer.writeKubeconfig(file),
    stop: () => apiServer.stop(),
  };
}
