/**
 * Prune: delete (or list, on a dry run) the BundleDeployments of a GitRepo that Fleet's bundle
 * reconciler would delete (prune.ts `selectOrphans`), as the caller, guarded by what each was
 * judged on, and wait until the store has seen each deletion.
 */
import { ErrorCode, isFleetGraphError } from '../../../shared/errors.js';
import type { BundleDeploymentRecord, GitRepoRecord } from '../rules/read-model.js';
import { FleetView } from '../rules/view.js';
import type { CommandCaller } from './port.js';
import { selectOrphans } from './prune.js';
import { asUserError, type GitRepoRef, type PruneResult, type UserError } from './results.js';
import type { WritePath } from './write-path.js';

export async function prune(
  w: WritePath,
  caller: CommandCaller,
  ref: GitRepoRef,
  dryRun: boolean,
): Promise<PruneResult> {
  const empty = { orphans: [], skipped: [], dryRun };
  const forbidden = await w.denied(caller, 'prune', ref, dryRun);
  if (forbidden) return { ...empty, gitRepo: null, userErrors: [forbidden] };
  const repo = w.repo(ref);
  if (!repo) return { ...empty, gitRepo: null, userErrors: [w.notFound(ref)] };
  const view = new FleetView(w.deps.store.snapshot());
  const sel = selectOrphans(view, repo, w.versions.targetHistory(repo.key));
  const skipped = sel.skipped.map((s) => ({ bundle: s.bundle.name, reason: s.reason }));
  if (dryRun) return { gitRepo: repo, orphans: sel.orphans, skipped, userErrors: [], dryRun };
  const userErrors: UserError[] = [];
  const deleted: BundleDeploymentRecord[] = [];
  for (const orphan of sel.orphans) {
    try {
      const bd = await deleteOrphan(w, caller, repo, orphan);
      if (bd) deleted.push(bd);
    } catch (err) {
      const ue = asUserError(err, w.deps.logger);
      if (ue.code !== ErrorCode.NOT_FOUND)
        userErrors.push({ ...ue, field: `orphans[${orphan.namespace}/${orphan.name}]` });
    }
  }
  // Read-your-writes: wait until the store saw each deletion: the object gone (or replaced by
  // a new uid), or a newer version of it (the finalizer-held tombstone). Already-seen deletions
  // count at once; waiting for a version of an object that no longer exists never ends.
  await Promise.all(
    deleted.map((bd) =>
      w.deps.store
        .waitForDeletion('BundleDeployment', bd.key, bd.uid, {
          resourceVersion: String(Number(bd.resourceVersion) + 1),
          timeoutMs: w.writeWaitMs,
        })
        .catch(() => undefined),
    ),
  );
  return { gitRepo: w.repo(ref) ?? null, orphans: deleted, skipped, userErrors, dryRun };
}

/**
 * Deletes one orphan, guarded by the uid and resourceVersion it was judged on. Agents rewrite a
 * deployment's status all the time, so a conflict usually means only that: the store is given
 * time to see the newer version, the deployment is judged again on that state, and the delete is
 * retried while it is still an orphan. Returns the record deleted, or undefined when it no
 * longer is one.
 */
async function deleteOrphan(
  w: WritePath,
  caller: CommandCaller,
  repo: GitRepoRecord,
  orphan: BundleDeploymentRecord,
): Promise<BundleDeploymentRecord | undefined> {
  let bd = orphan;
  for (let attempt = 1; ; attempt++) {
    try {
      const writer = w.writerOf(caller);
      if (!writer) return undefined;
      await writer.deleteBundleDeployment(bd.namespace, bd.name, {
        uid: bd.uid,
        resourceVersion: bd.resourceVersion,
      });
      return bd;
    } catch (err) {
      if (!isFleetGraphError(err) || err.code !== ErrorCode.CONFLICT || attempt >= 3) throw err;
    }
    await w.deps.store
      .waitForDeletion('BundleDeployment', bd.key, bd.uid, {
        resourceVersion: String(Number(bd.resourceVersion) + 1),
        timeoutMs: w.writeWaitMs,
      })
      .catch(() => undefined);
    const view = new FleetView(w.deps.store.snapshot());
    const again = selectOrphans(view, repo, w.versions.targetHistory(repo.key)).orphans.find(
      (o) => o.key === bd.key && o.uid === bd.uid,
    );
    if (!again) return undefined;
    bd = again;
  }
}
