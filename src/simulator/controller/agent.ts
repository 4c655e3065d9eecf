/**
 * The simulated fleet-agents, one per cluster (docs/fleet/objects.md §2.5, §2.10, docs/fleet/state.md §5.1, docs/fleet/rollout.md §7.2): each
 * BundleDeployment whose `spec.deploymentID` differs from `status.appliedDeploymentID` waits on its
 * dependencies on the same cluster, then is "applied" after `applyDelayMs` (NotReady for
 * `readyDelayMs`, then Ready). Injected faults bend that path: ErrApplied, NotReady, Modified,
 * WaitApplied (stuck) and Offline (the agent does nothing at all). Paused BDs are skipped
 * entirely. After a BD is deleted the agent "uninstalls" its release after `uninstallDelayMs`.
 */
import type {
  BundleDeployment,
  BundleDeploymentStatus,
  BundleState,
  Condition,
  ModifiedStatus,
  NonReadyStatus,
  ResourceCounts,
} from '../../apis/fleet.js';
import { BUNDLE_DEPLOYMENTS } from '../../apis/gvr.js';
import {
  LABEL_BUNDLE_NAME,
  LABEL_BUNDLE_NAMESPACE,
  LABEL_CLUSTER,
  LABEL_CLUSTER_NAMESPACE,
} from '../../apis/labels.js';
import { compileLabelSelector } from '../../apis/selector.js';
import { isoNow } from '../../shared/clock.js';
import type { FaultKind, FleetContext } from './context.js';
import { BY_NAMESPACE } from './context.js';
import type { ReconcileResult } from './queue.js';
import { WorkQueue } from './queue.js';
import { bundleDeploymentDisplay } from './rollups.js';
import { deploymentState, setCondition } from './state.js';
import { keyOfObj, patchStatusIfExists, same, splitKey } from './util.js';

export function clusterKeyOfDeployment(bd: BundleDeployment): string {
  const l = bd.metadata.labels ?? {};
  return `${l[LABEL_CLUSTER_NAMESPACE] ?? ''}/${l[LABEL_CLUSTER] ?? ''}`;
}

function bundleKeyOf(bd: BundleDeployment): string {
  const l = bd.metadata.labels ?? {};
  return `${l[LABEL_BUNDLE_NAMESPACE] ?? ''}/${l[LABEL_BUNDLE_NAME] ?? ''}`;
}

/**
 * checkDependency (docs/fleet/objects.md §2.10; agent/deployer/deployer.go): the names of unmet dependencies, matched
 * against every BD in the same cluster namespace, the dependent BD itself included (Fleet lists
 * them all, so a selector that also selects the dependent makes it wait on itself). `name` sets
 * the bundle-name and bundle-namespace labels of the selector, replacing what `matchLabels` says
 * for those keys. An entry without name and selector is skipped; no match at all is an error.
 */
export function unmetDependencies(bd: BundleDeployment, sameCluster: readonly BundleDeployment[]): string[] {
  const unmet: string[] = [];
  for (const dep of bd.spec?.dependsOn ?? []) {
    if (!dep.name && !dep.selector) continue;
    const sel = {
      matchLabels: { ...(dep.selector?.matchLabels ?? {}) },
      matchExpressions: dep.selector?.matchExpressions ?? [],
    };
    if (dep.name) {
      sel.matchLabels[LABEL_BUNDLE_NAME] = dep.name;
      sel.matchLabels[LABEL_BUNDLE_NAMESPACE] = bd.metadata.labels?.[LABEL_BUNDLE_NAMESPACE] ?? '';
    }
    let matched: BundleDeployment[];
    try {
      const s = compileLabelSelector(sel);
      matched = sameCluster.filter((o) => s.matches(o.metadata.labels));
    } catch {
      matched = [];
    }
    const accepted: readonly BundleState[] = dep.acceptedStates?.length ? dep.acceptedStates : ['Ready'];
    if (matched.length === 0) {
      unmet.push(dep.name ?? JSON.stringify(dep.selector));
      continue;
    }
    for (const m of matched) {
      if (!accepted.includes(deploymentState(m))) unmet.push(m.metadata.name ?? '');
    }
  }
  return [...new Set(unmet)];
}

/** The resources a simulated release holds: a Deployment and its ConfigMap. */
function resourcesOf(
  bd: BundleDeployment,
): { kind: string; apiVersion: string; namespace: string; name: string }[] {
  const ns = bd.spec?.options?.namespace || bd.spec?.options?.defaultNamespace || 'default';
  const name = bd.metadata.name ?? '';
  return [
    { kind: 'Deployment', apiVersion: 'apps/v1', namespace: ns, name },
    { kind: 'ConfigMap', apiVersion: 'v1', namespace: ns, name: `${name}-config` },
  ];
}

export interface AgentPhase {
  /** Applied and ready to report Ready (after the ready delay). */
  readonly settled: boolean;
}

/**
 * The status the agent reports for an applied BD (monitor/updatestatus.go in spirit): ready and
 * nonModified from the simulated resources, bounded non-ready and modified lists, resource counts
 * and the mirrored conditions.
 */
export function appliedStatus(
  bd: BundleDeployment,
  faults: readonly FaultKind[],
  settled: boolean,
  now: string,
): BundleDeploymentStatus {
  const res = resourcesOf(bd);
  const deployment = res[0]!;
  const notReady = !settled || faults.includes('NotReady');
  const modified = faults.includes('Modified');
  const nonReadyStatus: NonReadyStatus[] = notReady
    ? [
        {
          kind: deployment.kind,
          apiVersion: deployment.apiVersion,
          namespace: deployment.namespace,
          name: deployment.name,
          summary: {
            state: settled ? 'unavailable' : 'in-progress',
            transitioning: !settled,
            error: settled,
            message: [
              settled
                ? 'Deployment does not have minimum availability.'
                : 'Waiting for deployment rollout to finish',
            ],
          },
        },
      ]
    : [];
  const config = res[1]!;
  const modifiedStatus: ModifiedStatus[] = modified
    ? [
        {
          kind: config.kind,
          apiVersion: config.apiVersion,
          namespace: config.namespace,
          name: config.name,
          patch: '{"data":{"drift":"changed"}}',
        },
      ]
    : [];
  const counts: ResourceCounts = {
    ready: res.length - (notReady ? 1 : 0) - (modified ? 1 : 0),
    desiredReady: res.length,
    waitApplied: 0,
    modified: modified ? 1 : 0,
    orphaned: 0,
    missing: 0,
    unknown: 0,
    notReady: notReady ? 1 : 0,
  };
  let conditions: Condition[] = bd.status?.conditions ?? [];
  conditions = setCondition(conditions, { type: 'Installed', status: 'True' }, now);
  conditions = setCondition(conditions, { type: 'Deployed', status: 'True' }, now);
  conditions = setCondition(conditions, { type: 'Monitored', status: 'True' }, now);
  const firstProblem = notReady
    ? `${deployment.kind.toLowerCase()}.${deployment.apiVersion} ${deployment.namespace}/${deployment.name} not ready`
    : modified
      ? `${config.kind.toLowerCase()}.${config.apiVersion} ${config.namespace}/${config.name} modified`
      : '';
  conditions = setCondition(
    conditions,
    { type: 'Ready', status: firstProblem ? 'False' : 'True', message: firstProblem },
    now,
  );
  return {
    appliedDeploymentID: bd.spec?.deploymentID ?? '',
    release: `${deployment.namespace}/${bd.metadata.name ?? ''}:1`,
    ready: !notReady,
    nonModified: !modified,
    nonReadyStatus,
    modifiedStatus,
    resourceCounts: counts,
    resources: res.map((r) => ({ ...r, createdAt: now })),
    syncGeneration: bd.spec?.options?.forceSyncGeneration ?? 0,
    conditions,
  };
}

interface Memory {
  deploymentId: string;
  applyAt: number;
  readyAt?: number;
}

export class AgentController {
  readonly queue: WorkQueue;
  private readonly memory = new Map<string, Memory>();
  /** Releases the agents have uninstalled, newest last (`<clusterNs>/<cluster>/<bd>`). */
  readonly uninstalled: string[] = [];

  constructor(private readonly ctx: FleetContext) {
    this.queue = new WorkQueue('agent', (k) => this.reconcile(k), ctx.clock, ctx.log);
    ctx.caches.bundleDeployments.on((type, bd) => {
      const key = keyOfObj(bd);
      if (type === 'DELETED') {
        this.memory.delete(key);
        const id = `${clusterKeyOfDeployment(bd)}/${bd.metadata.name ?? ''}`;
        ctx.clock.setTimeout(() => {
          this.uninstalled.push(id);
          ctx.log.debug({ release: id }, 'agent uninstalled release');
        }, ctx.settings.uninstallDelayMs);
      } else {
        this.queue.add(key);
      }
      // Dependants on the same cluster re-check when a dependency changes state.
      for (const o of ctx.caches.bundleDeployments.list(
        (x) => x.metadata.namespace === bd.metadata.namespace,
      )) {
        if (o !== bd && o.spec?.dependsOn?.length) this.queue.add(keyOfObj(o));
      }
    });
    ctx.faults.onChange(() => {
      for (const bd of ctx.caches.bundleDeployments.list()) this.queue.add(keyOfObj(bd));
    });
  }

  stop(): void {
    this.queue.stop();
  }

  /** Wakes every agent (e.g. after a cluster comes back online). */
  wakeCluster(clusterKey: string): void {
    for (const bd of this.ctx.caches.bundleDeployments.list((b) => clusterKeyOfDeployment(b) === clusterKey))
      this.queue.add(keyOfObj(bd));
  }

  private async write(bd: BundleDeployment, status: BundleDeploymentStatus): Promise<void> {
    const next = { ...bd.status, ...status };
    // The display is part of what the agent reports alongside the state it just changed.
    const display = bundleDeploymentDisplay({ spec: bd.spec, status: next });
    const strip = (c: Condition[] | undefined) =>
      (c ?? []).map(({ lastUpdateTime: _u, lastTransitionTime: _t, ...x }) => x);
    const changed =
      (Object.keys(status) as (keyof BundleDeploymentStatus)[]).some((k) =>
        k === 'conditions'
          ? !same(strip(status.conditions), strip(bd.status?.conditions))
          : k === 'resources'
            ? false
            : !same(status[k], bd.status?.[k]),
      ) || !same(display, bd.status?.display);
    if (!changed) return;
    await patchStatusIfExists(this.ctx.client, BUNDLE_DEPLOYMENTS, bd, { ...status, display });
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = splitKey(key);
    const bd = this.ctx.caches.bundleDeployments.get(ns, name);
    if (!bd || bd.metadata.deletionTimestamp) return;
    const clusterKey = clusterKeyOfDeployment(bd);
    if (this.ctx.faults.isOffline(clusterKey)) return;
    const faults = this.ctx.faults.for(clusterKey, bundleKeyOf(bd));
    if (faults.includes('Offline') || faults.includes('WaitApplied')) return;
    // A paused BD is skipped completely, drift detection included (docs/fleet/rollout.md §7.2); so is an off-schedule one.
    if (bd.spec?.paused || bd.spec?.offSchedule) return;
    const nowMs = this.ctx.clock.now();
    const now = isoNow(this.ctx.clock);
    const desired = bd.spec?.deploymentID ?? '';
    const applied = bd.status?.appliedDeploymentID ?? '';

    if (desired !== applied) {
      const unmet = unmetDependencies(
        bd,
        this.ctx.caches.bundleDeployments.byIndex(BY_NAMESPACE, bd.metadata.namespace ?? ''),
      );
      if (unmet.length > 0) {
        this.memory.delete(key);
        const message = `dependent bundle(s) are not ready: [${unmet.join(' ')}]`;
        await this.write(bd, {
          conditions: setCondition(
            bd.status?.conditions,
            { type: 'Deployed', status: 'False', reason: 'Error', message },
            now,
          ),
        });
        return;
      }
      if (faults.includes('ErrApplied')) {
        this.memory.delete(key);
        const message = `simulated failure: helm install of ${bd.metadata.name ?? ''} failed: admission webhook denied the request`;
        await this.write(bd, {
          conditions: setCondition(
            bd.status?.conditions,
            { type: 'Deployed', status: 'False', reason: 'Error', message },
            now,
          ),
        });
        return;
      }
      let mem = this.memory.get(key);
      if (!mem || mem.deploymentId !== desired) {
        mem = { deploymentId: desired, applyAt: nowMs + this.ctx.settings.applyDelayMs };
        this.memory.set(key, mem);
        const deployed = bd.status?.conditions?.find((c) => c.type === 'Deployed');
        if (deployed?.status === 'False') {
          // A previous failure no longer applies: the agent is deploying again.
          await this.write(bd, {
            conditions: setCondition(
              bd.status?.conditions,
              { type: 'Deployed', status: 'Unknown', message: '' },
              now,
            ),
          });
        }
      }
      if (nowMs < mem.applyAt) return { requeueAfter: mem.applyAt - nowMs };
      mem.readyAt = nowMs + this.ctx.settings.readyDelayMs;
      const settled = this.ctx.settings.readyDelayMs <= 0;
      await this.write(bd, appliedStatus(bd, faults, settled, now));
      return settled ? undefined : { requeueAfter: this.ctx.settings.readyDelayMs };
    }

    // Applied: monitor. A BD this agent has not applied itself (seeded, or after a restart) is
    // treated as settled.
    const mem = this.memory.get(key);
    const settled = !mem || mem.deploymentId !== desired || mem.readyAt === undefined || nowMs >= mem.readyAt;
    await this.write(bd, appliedStatus(bd, faults, settled, now));
    if (!settled && mem?.readyAt !== undefined) return { requeueAfter: mem.readyAt - nowMs };
  }
}
