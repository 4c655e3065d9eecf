/**
 * The simulated Fleet: one informer per kind over the emulator's HTTP API, and the controllers
 * Fleet runs (agent management, gitjob, bundle, bundle-deployment, status roll-ups) plus the
 * simulated agents. `startFleet` returns the in-process control handle tests and demos use.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import {
  BUNDLE_DEPLOYMENTS,
  BUNDLE_NAMESPACE_MAPPINGS,
  BUNDLES,
  CLUSTER_GROUPS,
  CLUSTERS,
  GITREPO_RESTRICTIONS,
  GITREPOS,
  HELMOPS,
  NAMESPACES,
} from '../../apis/gvr.js';
import {
  LABEL_BUNDLE_NAME,
  LABEL_BUNDLE_NAMESPACE,
  LABEL_HELMOP_NAME,
  LABEL_REPO_NAME,
} from '../../apis/labels.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { AgentController } from './agent.js';
import { AgentManagementController } from './agentmanagement.js';
import { BundleController } from './bundle.js';
import { BundleDeploymentController } from './bundledeployment.js';
import { KubeClient } from './client.js';
import { ClusterStatusController } from './cluster-status.js';
import { ClusterGroupStatusController } from './clustergroup-status.js';
import type { Caches, Fault, FleetContext, FleetSettings } from './context.js';
import {
  BY_BUNDLE,
  BY_HELMOP,
  BY_NAMESPACE,
  BY_REPO,
  DEFAULT_FLEET_SETTINGS,
  FaultRegistry,
} from './context.js';
import { GitJobController } from './gitjob.js';
import { GitRepoStatusController } from './gitrepo-status.js';
import { HelmOpController, HelmOpStatusController } from './helmop.js';
import { Informer } from './informer.js';
import type { WorkQueue } from './queue.js';

export type { Fault, FaultKind, FleetSettings } from './context.js';
export { DEFAULT_FLEET_SETTINGS } from './context.js';

export interface FleetOptions {
  readonly kubeConfig: KubeConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings?: Partial<FleetSettings>;
}

/** The in-process control handle of the simulated Fleet. */
export interface FleetControl {
  readonly clock: Clock;
  readonly settings: FleetSettings;
  /** An offline cluster's agent neither checks in nor touches its BundleDeployments. */
  setClusterOffline(namespace: string, name: string, offline: boolean): void;
  /** `cluster` and `bundle` are `<namespace>/<name>`; either may be left out to mean "all". */
  injectFault(fault: Fault): void;
  clearFaults(): void;
  readonly faults: readonly Fault[];
  /** The cluster's agent checks in now (if online); the interval restarts from now. */
  checkInNow(namespace: string, name: string): Promise<void>;
  /** Releases uninstalled by the agents after their BD was deleted (`<clusterNs>/<cluster>/<bd>`). */
  readonly uninstalled: readonly string[];
  /** True when no controller has queued or running work (delayed work may still be scheduled). */
  idle(): boolean;
}

export interface FleetHandle extends FleetControl {
  stop(): Promise<void>;
}

export async function startFleet(opts: FleetOptions): Promise<FleetHandle> {
  const settings: FleetSettings = { ...DEFAULT_FLEET_SETTINGS, ...(opts.settings ?? {}) };
  const log = opts.logger;
  const client = new KubeClient(opts.kubeConfig);
  const caches: Caches = {
    namespaces: new Informer(NAMESPACES, client, log),
    clusters: new Informer(CLUSTERS, client, log),
    clusterGroups: new Informer(CLUSTER_GROUPS, client, log),
    mappings: new Informer(BUNDLE_NAMESPACE_MAPPINGS, client, log),
    gitRepos: new Informer(GITREPOS, client, log),
    restrictions: new Informer(GITREPO_RESTRICTIONS, client, log),
    helmOps: new Informer(HELMOPS, client, log),
    bundles: new Informer(BUNDLES, client, log),
    bundleDeployments: new Informer(BUNDLE_DEPLOYMENTS, client, log),
  };
  const label = (o: { metadata: { labels?: Record<string, string> } }, k: string) => o.metadata.labels?.[k];
  caches.bundleDeployments.addIndex(BY_NAMESPACE, (o) => o.metadata.namespace);
  caches.bundleDeployments.addIndex(BY_BUNDLE, (o) => {
    const n = label(o, LABEL_BUNDLE_NAME);
    const ns = label(o, LABEL_BUNDLE_NAMESPACE);
    return n && ns ? `${ns}/${n}` : undefined;
  });
  caches.bundleDeployments.addIndex(BY_REPO, (o) => {
    const r = label(o, LABEL_REPO_NAME);
    const ns = label(o, LABEL_BUNDLE_NAMESPACE);
    return r && ns ? `${ns}/${r}` : undefined;
  });
  caches.bundles.addIndex(BY_REPO, (o) => {
    const r = label(o, LABEL_REPO_NAME);
    return r ? `${o.metadata.namespace ?? ''}/${r}` : undefined;
  });
  caches.bundleDeployments.addIndex(BY_HELMOP, (o) => {
    const h = label(o, LABEL_HELMOP_NAME);
    const ns = label(o, LABEL_BUNDLE_NAMESPACE);
    return h && ns ? `${ns}/${h}` : undefined;
  });
  caches.bundles.addIndex(BY_HELMOP, (o) => {
    const h = label(o, LABEL_HELMOP_NAME);
    return h ? `${o.metadata.namespace ?? ''}/${h}` : undefined;
  });
  caches.clusters.addIndex(BY_NAMESPACE, (o) => o.metadata.namespace);
  caches.clusterGroups.addIndex(BY_NAMESPACE, (o) => o.metadata.namespace);
  caches.restrictions.addIndex(BY_NAMESPACE, (o) => o.metadata.namespace);
  const faults = new FaultRegistry();
  const ctx: FleetContext = { client, caches, clock: opts.clock, log, settings, faults };

  const agentManagement = new AgentManagementController(ctx);
  const agents = new AgentController(ctx);
  const controllers = [
    agentManagement,
    new GitJobController(ctx),
    new BundleController(ctx),
    new BundleDeploymentController(ctx),
    agents,
    new ClusterStatusController(ctx),
    new ClusterGroupStatusController(ctx),
    new GitRepoStatusController(ctx),
    new HelmOpController(ctx),
    new HelmOpStatusController(ctx),
  ];
  const queues: WorkQueue[] = controllers.map((c) => c.queue);
  const informers = Object.values(caches) as Informer<never>[];

  // Controllers start once every cache is synced, as controller-runtime waits for its caches.
  try {
    await Promise.all(informers.map((i) => i.start()));
  } catch (e) {
    for (const i of informers) i.stop();
    throw e;
  }
  for (const q of queues) q.start();
  log.info({ cleanup: settings.cleanup }, 'simulated Fleet started');

  return {
    clock: opts.clock,
    settings,
    setClusterOffline(namespace, name, offline) {
      const cluster = `${namespace}/${name}`;
      faults.remove((f) => f.fault === 'Offline' && f.cluster === cluster && !f.bundle);
      if (offline) faults.add({ cluster, fault: 'Offline' });
      else {
        // A reconnecting agent checks in at once and resumes its deployments.
        agentManagement
          .checkInNow(namespace, name)
          .catch((e: unknown) => log.debug({ err: e, cluster }, 'check-in failed'));
        agents.wakeCluster(cluster);
      }
    },
    injectFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    get faults() {
      return faults.list();
    },
    checkInNow: (namespace, name) => agentManagement.checkInNow(namespace, name),
    get uninstalled() {
      return agents.uninstalled;
    },
    idle: () => queues.every((q) => q.idle),
    stop() {
      for (const c of controllers) c.stop();
      for (const i of informers) i.stop();
      return Promise.resolve();
    },
  };
}
