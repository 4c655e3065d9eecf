/**
 * The GitRepo status controller (docs/fleet/state.md §5.4): rolls a GitRepo's BundleDeployments (found
 * by `repo-name` + `bundle-namespace` labels, wherever they live) up into its status. Like Fleet it
 * batches events with a delay (3 s by default) of simulated time, so the status trails the BDs.
 */
import { GITREPOS } from '../../apis/gvr.js';
import { LABEL_BUNDLE_NAMESPACE, LABEL_REPO_NAME } from '../../apis/labels.js';
import { isoNow } from '../../shared/clock.js';
import type { FleetContext } from './context.js';
import { BY_REPO } from './context.js';
import type { ReconcileResult } from './queue.js';
import { WorkQueue } from './queue.js';
import { gitRepoStatusFromDeployments } from './rollups.js';
import { conditionOf, setCondition } from './state.js';
import { keyOfObj, patchStatusIfExists, same, splitKey, summaryPatch } from './util.js';

export class GitRepoStatusController {
  readonly queue: WorkQueue;

  constructor(private readonly ctx: FleetContext) {
    this.queue = new WorkQueue('gitrepo-status', (k) => this.reconcile(k), ctx.clock, ctx.log);
    const delay = ctx.settings.gitRepoStatusDelayMs;
    ctx.caches.gitRepos.on((type, r, old) => {
      if (type === 'DELETED') return;
      // The job status flips GitUpdating on and off: show that without the batching delay.
      if (r.status?.gitJobStatus !== old?.status?.gitJobStatus || type === 'ADDED')
        this.queue.add(keyOfObj(r));
    });
    ctx.caches.bundleDeployments.on((_t, bd) => {
      const repo = bd.metadata.labels?.[LABEL_REPO_NAME];
      const ns = bd.metadata.labels?.[LABEL_BUNDLE_NAMESPACE];
      if (repo && ns) this.queue.addAfter(`${ns}/${repo}`, delay);
    });
    ctx.caches.bundles.on((_t, b) => {
      const repo = b.metadata.labels?.[LABEL_REPO_NAME];
      if (repo) this.queue.addAfter(`${b.metadata.namespace ?? ''}/${repo}`, delay);
    });
  }

  stop(): void {
    this.queue.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = splitKey(key);
    const repo = this.ctx.caches.gitRepos.get(ns, name);
    if (!repo) return;
    const bds = this.ctx.caches.bundleDeployments.byIndex(BY_REPO, key);
    const bundles = this.ctx.caches.bundles.byIndex(BY_REPO, key);
    const now = isoNow(this.ctx.clock);
    const jobStatus = repo.status?.gitJobStatus ?? 'InProgress';
    const st = gitRepoStatusFromDeployments(bds, {
      gitJobStatus: jobStatus,
      bundleReady: bundles.map((b) => conditionOf(b.status?.conditions, 'Ready')),
      conditions: repo.status?.conditions,
      now,
    });
    // The other conditions a Fleet user sees (docs/fleet/objects.md §2.2): the job's kstatus
    // mirrored as Reconciling / Stalled. `Accepted` belongs to the gitjob reconciler (restrictions).
    const conditions = setCondition(
      st.conditions,
      { type: 'Reconciling', status: jobStatus === 'Current' ? 'False' : 'True' },
      now,
    );
    st.conditions = setCondition(
      conditions,
      { type: 'Stalled', status: jobStatus === 'Failed' ? 'True' : 'False' },
      now,
    );
    const cur = repo.status ?? {};
    const changed = (Object.keys(st) as (keyof typeof st)[]).some((k) => !same(st[k], cur[k]));
    if (!changed) return;
    await patchStatusIfExists(
      this.ctx.client,
      GITREPOS,
      repo,
      {
        ...st,
        summary: summaryPatch(st.summary ?? {}),
        perClusterResourceCounts: replaceRecord(
          cur.perClusterResourceCounts,
          st.perClusterResourceCounts ?? {},
        ),
      },
      // The conditions go whole; a stale list must not drop what the gitjob reconciler wrote.
      repo.metadata.resourceVersion,
    );
  }
}

function replaceRecord(
  cur: Record<string, unknown> | undefined,
  next: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(cur ?? {})) out[k] = null;
  return { ...out, ...next };
}
