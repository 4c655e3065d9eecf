/**
 * GitRepo status recomputed from BundleDeployments (docs/fleet/state.md §5.1, §5.4): the gateway's reading
 * (fleet/, over records the real store builds) against the simulated Fleet's (simulator/controller,
 * over raw objects), on seeded random deployments.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/apis/kube.js';
import {
  bundleStatusFromTargets,
  deploymentState,
  statusFromDeployments,
} from '../../src/gateway/fleet/index.js';
import type { ClusterRecord, TargetedCluster } from '../../src/gateway/fleet/rules/read-model.js';
import type { BundleDeploymentRecord } from '../../src/gateway/fleet/index.js';
import { createStore } from '../../src/gateway/store/store.js';
import { ManualClock } from '../../src/shared/clock.js';
import {
  bundleStatusFromTargets as simulatedBundleStatus,
  gitRepoStatusFromDeployments,
} from '../../src/simulator/controller/rollups.js';
import { deploymentState as simulatedState } from '../../src/simulator/controller/state.js';
import { prngInt as prng } from '../support/prng.js';

const ZEROS = { notReady: 0, waitApplied: 0, errApplied: 0, outOfSync: 0, modified: 0, pending: 0 };

function randomDeployments(seed: number): KubeObject[] {
  const r = prng(seed);
  const ids = ['s-1:a', 's-1:b', 's-2:a'];
  const out: KubeObject[] = [];
  const count = 1 + r(8);
  for (let i = 0; i < count; i++) {
    const cluster = `c${r(4)}`;
    const bundle = `app-b${i}`;
    const cond = (type: string) => ({
      type,
      status: ['True', 'False', 'Unknown'][r(3)]!,
      ...(r(2) ? { message: `${type} says ${r(5)}` } : {}),
    });
    out.push({
      apiVersion: 'fleet.cattle.io/v1alpha1',
      kind: 'BundleDeployment',
      metadata: {
        name: bundle,
        namespace: `cluster-fleet-default-${cluster}`,
        uid: `${seed}-${i}`,
        resourceVersion: '1',
        labels: {
          'fleet.cattle.io/bundle-name': bundle,
          'fleet.cattle.io/bundle-namespace': 'fleet-default',
          'fleet.cattle.io/repo-name': 'app',
          'fleet.cattle.io/cluster': cluster,
          'fleet.cattle.io/cluster-namespace': 'fleet-default',
        },
      },
      spec: { deploymentID: ids[r(3)], stagedDeploymentID: ids[r(3)] },
      status: {
        appliedDeploymentID: r(3) ? ids[r(3)] : undefined,
        ready: r(3) > 0,
        nonModified: r(3) > 0,
        conditions: ['Deployed', 'Installed', 'Monitored'].filter(() => r(3) > 0).map(cond),
        resourceCounts: {
          ready: r(3),
          desiredReady: 3,
          waitApplied: 0,
          modified: r(2),
          orphaned: 0,
          missing: 0,
          unknown: 0,
          notReady: r(2),
        },
      },
    } as KubeObject);
  }
  return out;
}

describe('GitRepo status from BundleDeployments agrees with the simulated Fleet (docs/fleet/state.md §5.4)', () => {
  it('on 300 seeded random sets of deployments', () => {
    const states = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      const objects = randomDeployments(seed);
      const store = createStore({ clock: new ManualClock() });
      for (const o of objects) store.apply('BundleDeployment', 'ADDED', o, { viaRelist: false });
      const records: readonly BundleDeploymentRecord[] = store
        .snapshot()
        .deploymentsOfGitRepo('fleet-default', 'app');
      for (const rec of records) {
        const raw = objects.find((o) => `${o.metadata.namespace}/${o.metadata.name}` === rec.key)!;
        states.add(deploymentState(rec));
        expect({ seed, key: rec.key, state: deploymentState(rec) }).toEqual({
          seed,
          key: rec.key,
          state: simulatedState(raw as never),
        });
      }
      const ours = statusFromDeployments(records, { gitJobStatus: 'Current' });
      const theirs = gitRepoStatusFromDeployments(objects as never, {
        gitJobStatus: 'Current',
        bundleReady: [],
        conditions: [],
        now: '2026-01-01T00:00:00Z',
      });
      expect({
        seed,
        ours: {
          ...ours,
          summary: { ...ours.summary, nonReadyResources: ours.summary.nonReadyResources?.map((n) => n.name) },
        },
      }).toEqual({
        seed,
        ours: {
          // Fleet omits zero counters from JSON (omitempty); fleet/ always fills them.
          summary: {
            ...ZEROS,
            ...theirs.summary,
            nonReadyResources: theirs.summary?.nonReadyResources?.map((n) => n.name) ?? [],
          },
          readyClusters: theirs.readyClusters,
          desiredReadyClusters: theirs.desiredReadyClusters,
          display: theirs.display,
          resourceCounts: theirs.resourceCounts,
        },
      });
    }
    // Every docs/fleet/state.md §5.1 state is exercised.
    expect([...states].sort()).toEqual([
      'ErrApplied',
      'Modified',
      'NotReady',
      'OutOfSync',
      'Ready',
      'WaitApplied',
    ]);
  });
});

describe('Bundle status from targets agrees with the simulated Fleet (docs/fleet/state.md §5.3, v0.16+)', () => {
  // Each BD is one target of one Bundle; the simulated reconciler's newly computed ID is what it
  // staged, which is all the gateway can see (target/target.go effectiveDeployment).
  it('on 300 seeded random sets of targets, paused and held-back ones included', () => {
    const states = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      const objects = randomDeployments(seed);
      const store = createStore({ clock: new ManualClock() });
      for (const o of objects) store.apply('BundleDeployment', 'ADDED', o, { viaRelist: false });
      const records = store.snapshot().deploymentsOfGitRepo('fleet-default', 'app');
      const targets: TargetedCluster[] = records.map((bd) => ({
        cluster: { namespace: bd.clusterNamespace, name: bd.clusterName } as ClusterRecord,
        match: { matched: true, reason: '' } as TargetedCluster['match'],
        bundleDeployment: bd,
        state: deploymentState(bd),
      }));
      const ours = bundleStatusFromTargets(targets);
      const theirs = simulatedBundleStatus(
        records.map((bd) => {
          const raw = objects.find((o) => `${o.metadata.namespace}/${o.metadata.name}` === bd.key)!;
          const spec = (raw as unknown as { spec: { stagedDeploymentID: string } }).spec;
          return {
            clusterNamespace: bd.clusterNamespace,
            clusterName: bd.clusterName,
            bd: raw as never,
            deploymentId: spec.stagedDeploymentID,
          };
        }),
        { maxNew: 50, newlyCreated: 0 },
      );
      for (const n of ours.summary.nonReadyResources ?? []) states.add(n.bundleState ?? '');
      expect({ seed, display: ours.display, summary: ours.summary }).toEqual({
        seed,
        display: theirs.display,
        summary: {
          ...ZEROS,
          ...theirs.summary,
          nonReadyResources: (theirs.summary.nonReadyResources ?? []).map((n) => ({
            name: n.name,
            bundleState: n.bundleState,
            message: n.message ?? '',
          })),
        },
      });
    }
    // OutOfSync cannot occur: a target is judged with its staged ID (effectiveDeployment).
    expect([...states].sort()).toEqual(['ErrApplied', 'Modified', 'NotReady', 'WaitApplied']);
  });
});
