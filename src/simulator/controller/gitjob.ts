/**
 * The GitOps side (docs/fleet/lifecycle.md §6.1–6.2, docs/fleet/rollout.md §7.2): a GitRepo whose generation moved past
 * `status.observedGeneration`, or whose `forceSyncGeneration` differs from `status.updateGeneration`,
 * gets a new simulated `fleet apply` job. The job takes `jobDelayMs`, during which
 * `status.gitJobStatus` is InProgress; it then creates or updates one Bundle per path, prunes
 * Bundles of this repo whose path disappeared (by the repo-name label), and records the commit.
 * Deleting a GitRepo deletes its Bundles and waits for them before dropping the finalizer.
 *
 * Before anything else the GitRepo is judged against the GitRepoRestrictions of its namespace
 * (gitops/reconciler/gitjob_controller.go `Reconcile` → restrictions.go
 * `AuthorizeAndAssignDefaults`, docs/fleet/sources.md §9.1): a refused GitRepo gets
 * `Accepted=False` with Fleet's message, no job and no Bundle writes (not even the deletion
 * cleanup, which comes later in Fleet's reconcile), and is retried with controller-runtime's
 * backoff since Fleet does not watch restrictions; an accepted one gets `Accepted=True` and its
 * job uses the restriction's defaults.
 */
import type { Bundle, GitRepo } from '../../apis/fleet.js';
import { BUNDLES, GITREPOS } from '../../apis/gvr.js';
import { FINALIZER_GITREPO, LABEL_REPO_NAME } from '../../apis/labels.js';
import { isoNow } from '../../shared/clock.js';
import { isConflict } from './client.js';
import type { FleetContext } from './context.js';
import { BY_NAMESPACE, BY_REPO } from './context.js';
import { bundlesForGitRepo, commitOf } from './gitops.js';
import type { ReconcileResult } from './queue.js';
import { WorkQueue } from './queue.js';
import { authorizeGitRepo } from './restrictions.js';
import { conditionOf, setCondition } from './state.js';
import { ensureFinalizer, keyOfObj, patchStatusIfExists, removeFinalizer, same, splitKey } from './util.js';

/** Fleet requeues a deleting GitRepo every few seconds until its Bundles are gone. */
const DELETE_REQUEUE_MS = 2_000;
/** controller-runtime's per-item backoff after a failed reconcile: 5 ms doubling, at most 1000 s. */
const REFUSED_BASE_MS = 5;
const REFUSED_MAX_MS = 1_000_000;

interface Job {
  generation: number;
  forceSync: number;
  dueAt: number;
}

export class GitJobController {
  readonly queue: WorkQueue;
  private readonly jobs = new Map<string, Job>();
  /** Consecutive refusals per GitRepo, for the retry backoff. */
  private readonly refusals = new Map<string, number>();

  constructor(private readonly ctx: FleetContext) {
    this.queue = new WorkQueue('gitjob', (k) => this.reconcile(k), ctx.clock, ctx.log);
    ctx.caches.gitRepos.on((type, repo, old) => {
      if (type === 'DELETED') {
        this.jobs.delete(keyOfObj(repo));
        this.refusals.delete(keyOfObj(repo));
      }
      // Status-only changes (our own writes) do not start jobs.
      if (
        type !== 'MODIFIED' ||
        repo.metadata.generation !== old?.metadata.generation ||
        repo.metadata.deletionTimestamp !== old?.metadata.deletionTimestamp ||
        !same(repo.metadata.finalizers, old?.metadata.finalizers)
      )
        this.queue.add(keyOfObj(repo));
    });
    ctx.caches.bundles.on((type, b) => {
      const repo = b.metadata.labels?.[LABEL_REPO_NAME];
      if (type === 'DELETED' && repo) this.queue.add(`${b.metadata.namespace ?? ''}/${repo}`);
    });
  }

  stop(): void {
    this.queue.stop();
  }

  private bundlesOf(repo: GitRepo): Bundle[] {
    return this.ctx.caches.bundles.byIndex(BY_REPO, keyOfObj(repo));
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const [ns, name] = splitKey(key);
    const repo = this.ctx.caches.gitRepos.get(ns, name);
    if (!repo) return;
    const restrictions = this.ctx.caches.restrictions.byIndex(BY_NAMESPACE, ns);
    const verdict = authorizeGitRepo(repo, restrictions);
    const accepted = verdict.accepted
      ? { type: 'Accepted', status: 'True' }
      : { type: 'Accepted', status: 'False', reason: 'Error', message: verdict.message };
    const cur = conditionOf(repo.status?.conditions, 'Accepted');
    if (
      cur?.status !== accepted.status ||
      (cur.reason ?? '') !== (accepted.reason ?? '') ||
      (cur.message ?? '') !== (accepted.message ?? '')
    ) {
      const conditions = setCondition(repo.status?.conditions, accepted, isoNow(this.ctx.clock));
      // Conditions are written whole: the precondition keeps a stale list from overwriting another's.
      await patchStatusIfExists(
        this.ctx.client,
        GITREPOS,
        repo,
        { conditions },
        repo.metadata.resourceVersion,
      );
    }
    if (!verdict.accepted) {
      const n = (this.refusals.get(key) ?? 0) + 1;
      this.refusals.set(key, n);
      return { requeueAfter: Math.min(REFUSED_BASE_MS * 2 ** Math.min(n - 1, 30), REFUSED_MAX_MS) };
    }
    this.refusals.delete(key);
    if (repo.metadata.deletionTimestamp) {
      const left = this.bundlesOf(repo);
      for (const b of left) {
        if (!b.metadata.deletionTimestamp) await this.ctx.client.delete(BUNDLES, ns, b.metadata.name ?? '');
      }
      if (left.length > 0) return { requeueAfter: DELETE_REQUEUE_MS };
      await removeFinalizer(this.ctx.client, GITREPOS, repo, FINALIZER_GITREPO);
      return;
    }
    await ensureFinalizer(this.ctx.client, GITREPOS, repo, FINALIZER_GITREPO);

    const generation = repo.metadata.generation ?? 1;
    const forceSync = repo.spec?.forceSyncGeneration ?? 0;
    const st = repo.status ?? {};
    const upToDate =
      st.observedGeneration === generation &&
      (st.updateGeneration ?? 0) === forceSync &&
      st.commit === commitOf(repo);
    if (upToDate) {
      this.jobs.delete(key);
      return;
    }
    const now = this.ctx.clock.now();
    let job = this.jobs.get(key);
    if (!job || job.generation !== generation || job.forceSync !== forceSync) {
      // A new generation replaces a running or finished job (the stale Job is deleted, docs/fleet/lifecycle.md §6.1).
      job = { generation, forceSync, dueAt: now + this.ctx.settings.jobDelayMs };
      this.jobs.set(key, job);
      if (st.gitJobStatus !== 'InProgress')
        await patchStatusIfExists(this.ctx.client, GITREPOS, repo, { gitJobStatus: 'InProgress' });
    }
    if (now < job.dueAt) return { requeueAfter: job.dueAt - now };
    // The job runs with the restriction's defaults filled in (kept in memory, not written back).
    await this.apply({ ...repo, spec: { ...repo.spec, serviceAccount: verdict.serviceAccount } });
    this.jobs.delete(key);
    await patchStatusIfExists(this.ctx.client, GITREPOS, repo, {
      commit: commitOf(repo),
      observedGeneration: generation,
      updateGeneration: forceSync,
      gitJobStatus: 'Current',
    });
  }

  /** `fleet apply`: write the Bundles and prune those of vanished paths (pruneBundlesNotFoundInRepo). */
  private async apply(repo: GitRepo): Promise<void> {
    const ns = repo.metadata.namespace ?? '';
    const want = bundlesForGitRepo(repo);
    const names = new Set(want.map((b) => b.metadata.name));
    for (const b of want) {
      const cur = this.ctx.caches.bundles.get(ns, b.metadata.name ?? '');
      if (!cur) {
        try {
          await this.ctx.client.create(BUNDLES, b);
          continue;
        } catch (e) {
          if (!isConflict(e)) throw e;
        }
      }
      if (cur && same(cur.spec, b.spec) && same(cur.metadata.labels, b.metadata.labels)) continue;
      // The job replaces spec and labels wholesale; merge patch needs explicit nulls for removals.
      const spec: Record<string, unknown> = { ...b.spec };
      for (const k of Object.keys(cur?.spec ?? {})) if (!(k in spec)) spec[k] = null;
      const labels: Record<string, string | null> = { ...b.metadata.labels };
      for (const k of Object.keys(cur?.metadata.labels ?? {})) if (!(k in labels)) labels[k] = null;
      await this.ctx.client.patch(BUNDLES, ns, b.metadata.name ?? '', { metadata: { labels }, spec });
    }
    for (const b of this.bundlesOf(repo)) {
      if (!names.has(b.metadata.name) && !b.metadata.deletionTimestamp)
        await this.ctx.client.delete(BUNDLES, ns, b.metadata.name ?? '');
    }
  }
}
