/**
 * `retargetProgress(operationId)`: a staged retarget as it moves. The operation lives in
 * an annotation on its GitRepo, written by whichever replica runs it, so following the GitRepo
 * (coalesced, never skipping the newest) follows the operation on every replica. The stream ends
 * once the operation has finished: converged, failed or cancelled.
 */
import { notFound } from '../../../shared/errors.js';
import {
  findOperation,
  operationOf,
  type OperationSigner,
  type RetargetOperation,
} from '../../fleet/commands/index.js';
import type { ObjectChange } from '../../fleet/live/events/index.js';
import type { GitRepoRecord } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { signerOf } from '../context.js';
import { RetargetOperationRef } from '../mutations/types.js';
import { liveOf, renewed } from './live.js';

interface Progress {
  readonly operation: RetargetOperation;
}

const DONE = { done: true, value: undefined } as const;

/** Steps not yet converged: their clusters are still to be added or removed. */
function pending(op: RetargetOperation, side: 'added' | 'removed'): string[] {
  const out = new Set<string>();
  for (const step of op.steps) if (step.state !== 'CONVERGED') for (const c of step[side]) out.add(c);
  return [...out].sort();
}

/**
 * The operation each time its record changes (other GitRepo changes are skipped), ending after
 * the first record that is no longer RUNNING, or when the GitRepo or the operation is gone.
 * A plain iterator, so `return()` detaches from the source at once (docs/libraries.md §2.7).
 */
function progressOf(
  source: AsyncIterableIterator<ObjectChange<GitRepoRecord>, undefined>,
  id: string,
  signer: OperationSigner | null,
): AsyncIterableIterator<Progress, undefined> {
  let last: string | undefined;
  let finished = false;
  const it: AsyncIterableIterator<Progress, undefined> = {
    async next() {
      for (;;) {
        if (finished) {
          await source.return?.();
          return DONE;
        }
        const r = await source.next();
        if (r.done) return DONE;
        const op = r.value.record && operationOf(r.value.record, signer);
        if (!op || op.id !== id) {
          finished = true;
          continue;
        }
        const raw = JSON.stringify(op);
        if (raw === last) continue;
        last = raw;
        if (op.state !== 'RUNNING') finished = true;
        return { done: false, value: { operation: op } };
      }
    },
    async return() {
      finished = true;
      await source.return?.();
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

const RetargetProgressRef = builder.objectRef<Progress>('RetargetProgress').implement({
  description:
    'Where a staged retarget stands: what is still to change, whether it converged, how long it has run.',
  fields: (t) => ({
    operation: t.field({
      type: RetargetOperationRef,
      description: 'The operation as recorded on its GitRepo now.',
      resolve: (p) => p.operation,
    }),
    pendingAdditions: t.stringList({
      description: 'Clusters still to be added: those of the steps that have not converged yet.',
      resolve: (p) => pending(p.operation, 'added'),
    }),
    pendingRemovals: t.stringList({
      description: 'Clusters still to be removed: those of the steps that have not converged yet.',
      resolve: (p) => pending(p.operation, 'removed'),
    }),
    converged: t.boolean({
      description: 'True once every step converged (the operation SUCCEEDED).',
      resolve: (p) => p.operation.state === 'SUCCEEDED',
    }),
    finished: t.boolean({
      description:
        'True when the operation ended (converged, failed or cancelled); the stream ends after this event.',
      resolve: (p) => p.operation.state !== 'RUNNING',
    }),
    elapsedSeconds: t.float({
      description: 'Seconds since it started: until now while it runs, until its last update once finished.',
      resolve: (p, _a, ctx) => {
        const end = p.operation.state === 'RUNNING' ? ctx.readModel.now : Date.parse(p.operation.updatedAt);
        return Math.max(0, (end - Date.parse(p.operation.startedAt)) / 1000);
      },
    }),
  }),
});

builder.subscriptionFields((t) => ({
  retargetProgress: t.field({
    type: RetargetProgressRef,
    description:
      'A staged retarget (`retargetGitRepo` with a strategy) as it progresses: its state now, then each time it moves; the stream ends once it has converged, failed or been cancelled.',
    args: {
      operationId: t.arg.id({ required: true, description: 'The id `retargetGitRepo` returned.' }),
    },
    subscribe: (_r, a, ctx) => {
      const id = String(a.operationId);
      // Through the caller's read model: an operation on a GitRepo they cannot see is not found.
      const found = findOperation(ctx.readModel.gitRepos(), id, signerOf(ctx));
      if (!found) throw notFound('RetargetOperation', id);
      const repo = found.repo;
      const source = liveOf(ctx).events.objectChanges('GitRepo', repo.namespace, repo.name, {
        record: repo,
        observedAt: ctx.readModel.now,
        resourceVersion: repo.resourceVersion,
      });
      return progressOf(source, id, signerOf(ctx));
    },
    resolve: renewed,
  }),
}));
