/**
 * The embedded default backend: a Kubernetes API emulator with Fleet's CRDs installed, the Fleet
 * workspaces created, a scenario and/or fixture seeded, and the simulated Fleet's controllers
 * running against the emulator's HTTP API.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../apis/kube.js';
import { SystemClock, type Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from './apiserver/index.js';
import { startFleet, type FleetControl, type FleetSettings } from './controller/index.js';
import { fleetCustomResourceDefinitions } from './crds/fleet.js';
import { DEFAULT_FLEET_SETTINGS } from './controller/index.js';
import { buildSeed, FixtureError } from './scenarios/index.js';

export { DEFAULT_FLEET_SETTINGS, FixtureError };

export type { Fault, FaultKind, FleetControl, FleetSettings } from './controller/index.js';

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
  /** Bearer tokens the emulator accepts (strings: admin tokens); default one random admin token. */
  readonly tokens?: ApiServerOptions['tokens'];
  /** kube-apiserver's static token file: ordinary users, judged by RBAC. */
  readonly tokenAuthFile?: string | undefined;
  /** The emulator's own token audiences; empty or absent means https://kubernetes.default.svc. */
  readonly apiAudiences?: string[] | undefined;
  /** Where the emulator appends its audit log. */
  readonly auditLogPath?: string | undefined;
  /** Delays and intervals of the simulated Fleet (simulated time); `cleanup` above wins. */
  readonly fleet?: Partial<FleetSettings>;
  /** Start the simulated Fleet's controllers; default true. */
  readonly controllers?: boolean;
  /** How long the emulator waits for a resourceVersion it has not issued yet (default 3 s). */
  readonly tooLargeWaitMs?: number;
  /** How often the emulator's open watches get a bookmark (default 10 s; kube-apiserver: ~1 min). */
  readonly bookmarkIntervalMs?: number;
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
  /** The simulated Fleet's control handle: offline clusters, agent faults, check-ins, its clock. */
  readonly fleet: FleetControl;
  /** The clock everything simulated runs on. */
  readonly clock: Clock;
  writeKubeconfig(file: string): Promise<void>;
  stop(): Promise<void>;
}

/** The Fleet workspaces every management cluster has (docs/fleet/operations.md §8.1). */
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
  // Build and validate the whole seed (fixture included) before anything is started or written.
  const seed = await buildSeed({
    scenario: opts.scenario,
    fixture: opts.fixture,
    scaleClusters: opts.scaleClusters,
    scaleBundles: opts.scaleBundles,
    now: new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    existingNamespaces: FLEET_WORKSPACES,
  });
  const apiServer = await startApiServer({
    port: opts.port,
    host: opts.host,
    clock,
    logger: opts.logger,
    ...(opts.tokens ? { tokens: opts.tokens } : {}),
    ...(opts.tooLargeWaitMs !== undefined ? { tooLargeWaitMs: opts.tooLargeWaitMs } : {}),
    ...(opts.bookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: opts.bookmarkIntervalMs } : {}),
    ...(opts.tokenAuthFile ? { tokenAuthFile: opts.tokenAuthFile } : {}),
    ...(opts.apiAudiences && opts.apiAudiences.length > 0 ? { apiAudiences: opts.apiAudiences } : {}),
    ...(opts.auditLogPath ? { auditLogPath: opts.auditLogPath } : {}),
  });
  let fleet: Awaited<ReturnType<typeof startFleet>> | undefined;
  try {
    installFleet(apiServer);
    for (const [i, object] of seed.objects.entries()) {
      try {
        apiServer.seed([object]);
      } catch (e) {
        // The emulator's own validation (CRD schemas) failed: name the object and where it came from.
        const where = seed.sources[i] ?? `scenario ${opts.scenario}`;
        const ref = [object.metadata.namespace, object.metadata.name].filter(Boolean).join('/');
        throw new FixtureError(opts.fixture ?? opts.scenario, [
          { document: `${where} (${object.kind ?? '?'} ${ref})`, message: (e as Error).message },
        ]);
      }
    }
    if (opts.controllers !== false) {
      fleet = await startFleet({
        kubeConfig: apiServer.kubeConfig(),
        clock,
        // `controller`, not `component`: in serve mode the caller's logger already binds a component.
        logger: opts.logger.child({ controller: 'fleet' }),
        settings: { ...(opts.fleet ?? {}), cleanup: opts.cleanup },
      });
      for (const f of seed.faults) fleet.injectFault(f);
    }
  } catch (e) {
    await fleet?.stop();
    await apiServer.stop();
    throw e;
  }
  const kubeConfig = apiServer.kubeConfig();
  const control: FleetControl = fleet ?? {
    clock,
    settings: { ...DEFAULT_FLEET_SETTINGS, ...(opts.fleet ?? {}), cleanup: opts.cleanup },
    setClusterOffline: () => undefined,
    injectFault: () => undefined,
    clearFaults: () => undefined,
    faults: [],
    checkInNow: () => Promise.resolve(),
    uninstalled: [],
    idle: () => true,
  };
  opts.logger.info(
    { scenario: opts.scenario, fixture: opts.fixture, objects: seed.objects.length, cleanup: opts.cleanup },
    'simulation started',
  );
  return {
    url: apiServer.url,
    token: apiServer.token,
    kubeConfig,
    apiServer,
    fleet: control,
    clock,
    writeKubeconfig: (file) => apiServer.writeKubeconfig(file),
    async stop() {
      await fleet?.stop();
      await apiServer.stop();
    },
  };
}
