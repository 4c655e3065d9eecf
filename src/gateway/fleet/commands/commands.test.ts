/**
 * Table tests of the pure parts of the write commands: target validation as a retarget judges it,
 * plans and their warnings, staged steps, orphan selection, strategy limits, spec-only preconditions.
 */
import { describe, expect, it } from 'vitest';
import type { GitTarget } from '../../../apis/fleet.js';
import { ManualClock } from '../../../shared/clock.js';
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/logger.js';
import {
  aCluster,
  aDeployment,
  aGitRepo,
  aGitRepoBundle,
  aGroup,
  snapshotOf,
} from '../../../../test/support/fleet-builders.js';
import { FleetView } from '../rules/view.js';
import {
  encodeOperation,
  operationOf,
  planSteps,
  RETARGET_OPERATION_ANNOTATION,
  strategyProblems,
} from './operation.js';
import { FleetCommands } from './commands.js';
import { planRetarget, retargetValidation } from './plan.js';
import { sameCriteria } from '../rules/target-lists.js';
import { bundleCarriesGitRepoTargets } from '../rules/carried-targets.js';
import type { FleetWriter, Preconditions, StorePort } from './port.js';
import { selectOrphans } from './prune.js';
import { changedFields, specView } from './versions.js';

const prod = aCluster({ name: 'prod', labels: { env: 'prod' } });
const dev = aCluster({ name: 'dev', labels: { env: 'dev' } });
const qa = aCluster({ name: 'qa', labels: { env: 'qa' } });
const eu = aGroup({ name: 'eu', selector: { matchLabels: { env: 'qa' } } });
const prodTargets: GitTarget[] = [{ name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } }];
const devTargets: GitTarget[] = [{ name: 'dev', clusterSelector: { matchLabels: { env: 'dev' } } }];
const names = (cs: readonly { name: string }[]) => cs.map((c) => c.name);

describe('retarget validation', () => {
  it('refuses an empty list: Fleet would silently use the default group (docs/fleet/targeting.md §4.1)', () => {
    expect(retargetValidation([]).problems).toEqual([expect.objectContaining({ field: 'targets' })]);
  });
  it('reports selector problems with field paths, and warns on a target without criteria', () => {
    const v = retargetValidation([
      {
        name: 'a',
        clusterSelector: { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['x'] }] },
      },
      { name: 'b' },
    ]);
    expect(v.problems.map((p) => p.field)).toEqual(['targets[0].clusterSelector.matchExpressions[0].values']);
    expect(v.warnings.join(' ')).toContain('targets[1] has no criteria');
  });
  it('compares target lists by criteria, not by field order', () => {
    expect(
      sameCriteria(
        [{ clusterName: 'a', name: 'x' }],
        [{ name: 'x', clusterName: 'a', clusterSelector: null }],
      ),
    ).toBe(true);
    expect(sameCriteria([{ name: 'x', clusterName: 'a' }], [{ name: 'x', clusterName: 'b' }])).toBe(false);
  });
});

describe('retarget plan', () => {
  const repo = aGitRepo({ name: 'app', targets: prodTargets });
  const web = aGitRepoBundle({ name: 'app-web', repoName: 'app', gitTargets: prodTargets });
  const bdProd = aDeployment({ bundle: web, cluster: prod });
  const view = new FleetView(snapshotOf([prod, dev, qa, eu, repo, web, bdProd]));

  it('lists clusters added and removed, and the BundleDeployments Fleet creates and deletes', () => {
    const plan = planRetarget(view, repo, devTargets);
    expect([names(plan.added), names(plan.removed), names(plan.unchanged)]).toEqual([['dev'], ['prod'], []]);
    expect(names(plan.bundles[0]!.create)).toEqual(['dev']);
    expect(plan.bundles[0]!.delete).toEqual([bdProd]);
    expect(plan.warnings).toEqual(['Adds 1 cluster.', 'Removes 1 cluster: prod.']);
  });
  it('warns when every cluster goes, and when a cluster comes in only through a group', () => {
    const none = planRetarget(view, repo, [{ name: 'x', clusterName: 'nowhere' }]);
    expect(none.warnings[0]).toBe('Removes all 1 clusters: nothing stays deployed.');
    const group = planRetarget(view, repo, [...prodTargets, { name: 'g', clusterGroup: 'eu' }]);
    expect(group.warnings).toContain(
      'Cluster qa is selected only through ClusterGroup eu: it leaves when the group stops selecting it.',
    );
  });
  it('reports no change for the current targets', () => {
    expect(planRetarget(view, repo, prodTargets).noChange).toBe(true);
  });
});

describe('staged steps', () => {
  it('adds first, then removes, batchSize changes per step; the last step is the requested list', () => {
    const steps = planSteps([prod], [dev, qa], [prod], devTargets, 2);
    expect(steps.map((s) => [s.added, s.removed])).toEqual([
      [['dev', 'qa'], []],
      [[], ['prod']],
    ]);
    expect(steps[0]!.targets.map((t) => t.clusterName)).toEqual(['dev', 'prod', 'qa']);
    expect(steps[1]!.targets).toBe(devTargets);
  });
  it('refuses impossible strategy values with field paths', () => {
    expect(strategyProblems({ batchSize: 0, pauseBetweenMs: -1000 }).map((p) => p.field)).toEqual([
      'strategy.batchSize',
      'strategy.pauseBetween',
    ]);
    expect(strategyProblems({ batchSize: 10, pauseBetweenMs: 0 })).toEqual([]);
  });
  it('reads back the operation from the annotation; an unreadable or invalid one is FAILED, not run', () => {
    const op = {
      id: 'rt-1',
      namespace: 'fleet-default',
      name: 'a',
      state: 'RUNNING' as const,
      strategy: {
        batchSize: 1,
        pauseBetweenMs: 0,
        waitForReady: true,
        abortOnFailure: true,
        stepTimeoutMs: 1,
      },
      prune: false,
      steps: [],
      currentStep: 0,
      startedAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      failures: [],
    };
    const withOp = aGitRepo({
      name: 'a',
      annotations: { [RETARGET_OPERATION_ANNOTATION]: encodeOperation(op) },
    });
    // Unverified (a read-only gateway holds no key): shown as recorded.
    expect(operationOf(withOp, null)).toEqual(op);
    const unreadable = operationOf(
      aGitRepo({ name: 'b', annotations: { [RETARGET_OPERATION_ANNOTATION]: '{' } }),
      null,
    );
    expect(unreadable).toMatchObject({ state: 'FAILED', steps: [] });
    expect(unreadable?.message).toContain('not JSON');
    // A hand-edited record whose step would write `spec.targets: "notalist"`.
    const edited = {
      ...op,
      steps: [{ targets: 'notalist', added: [], removed: [], state: 'PENDING' }],
    };
    const tampered = operationOf(
      aGitRepo({ name: 'a', annotations: { [RETARGET_OPERATION_ANNOTATION]: JSON.stringify(edited) } }),
      null,
    );
    expect(tampered).toMatchObject({ id: 'rt-1', state: 'FAILED', steps: [] });
    expect(tampered?.message).toContain('steps.0.targets');
    // A record copied from another GitRepo is not this one's.
    const elsewhere = operationOf(
      aGitRepo({ name: 'other', annotations: { [RETARGET_OPERATION_ANNOTATION]: encodeOperation(op) } }),
      null,
    );
    expect(elsewhere).toMatchObject({ state: 'FAILED' });
  });
});

describe('orphan selection (docs/fleet/lifecycle.md §6.3)', () => {
  it('selects BDs the Bundle no longer targets, only once it carries the GitRepo targets', () => {
    const repo = aGitRepo({ name: 'app', targets: devTargets });
    const updated = aGitRepoBundle({ name: 'app-web', repoName: 'app', gitTargets: devTargets });
    const orphan = aDeployment({ bundle: updated, cluster: prod });
    const kept = aDeployment({ bundle: updated, cluster: dev });
    const sel = selectOrphans(new FleetView(snapshotOf([prod, dev, repo, updated, orphan, kept])), repo);
    expect(sel.orphans).toEqual([orphan]);
    // The same BDs while the Bundle still has the old targets: nothing is judged.
    const stale = aGitRepoBundle({ name: 'app-web', repoName: 'app', gitTargets: prodTargets });
    // Fleet already observed the generation, so without history it reads as overrideTargets…
    expect(bundleCarriesGitRepoTargets(stale, repo)).toBe(true);
    // …but restrictions equal to an earlier target list of the GitRepo mean "not updated yet".
    expect(bundleCarriesGitRepoTargets(stale, repo, [prodTargets])).toBe(false);
    const none = selectOrphans(new FleetView(snapshotOf([prod, dev, repo, stale, orphan, kept])), repo, [
      prodTargets,
    ]);
    expect(none.orphans).toEqual([]);
    expect(none.skipped.map((s) => s.bundle.name)).toEqual(['app-web']);
  });
});

describe('pruning through the writer', () => {
  it('retries a delete refused because an agent rewrote the status, judging the deployment again', async () => {
    const repo = aGitRepo({ name: 'app', targets: devTargets });
    const bundle = aGitRepoBundle({ name: 'app-web', repoName: 'app', gitTargets: devTargets });
    const seen = { ...aDeployment({ bundle, cluster: prod, uid: 'bd-1' }), resourceVersion: '10' };
    const rewritten = { ...seen, resourceVersion: '11' };
    let snap = snapshotOf([prod, dev, repo, bundle, seen]);
    const attempts: (string | undefined)[] = [];
    const writer = {
      deleteBundleDeployment: (_ns: string, _name: string, pre: Preconditions) => {
        attempts.push(pre.resourceVersion);
        if (pre.resourceVersion !== '10') return Promise.resolve();
        // The agent wrote status after the snapshot the prune judged.
        snap = snapshotOf([prod, dev, repo, bundle, rewritten]);
        return Promise.reject(new FleetGraphError(ErrorCode.CONFLICT, 'the object has been modified'));
      },
    } as unknown as FleetWriter;
    const store: StorePort = {
      snapshot: () => snap,
      subscribe: () => () => undefined,
      waitForVersion: () => Promise.resolve(undefined),
      waitForDeletion: () => Promise.resolve(),
    };
    const commands = new FleetCommands({ writer, store, clock: new ManualClock(0), logger: silentLogger() });
    const r = await commands.pruneOrphanedBundleDeployments(
      { kind: 'anonymous' },
      { namespace: repo.namespace, name: 'app' },
    );
    commands.stop();
    expect(r.userErrors).toEqual([]);
    expect(attempts).toEqual(['10', '11']);
    expect(r.orphans.map((o) => o.resourceVersion)).toEqual(['11']);
  });
});

describe('spec-only preconditions', () => {
  it('names the spec fields that differ between two versions', () => {
    const a = specView(aGitRepo({ name: 'app', targets: prodTargets }));
    const b = specView(aGitRepo({ name: 'app', targets: devTargets, paused: true }));
    expect(changedFields(a, b)).toEqual(['spec.targets', 'spec.paused']);
  });
});
