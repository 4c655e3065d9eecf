/**
 * The path every write command takes (commands.ts): refusals decided before anything is sent,
 * the caller's writer, the audit line, the resourceVersion precondition and its CONFLICT, and
 * the merge patch that waits until the store has seen its own write (read-your-writes).
 */
import { ErrorCode, isFleetGraphError } from '../../../shared/errors.js';
import type { GitRepoRecord } from '../rules/read-model.js';
import {
  ALLOW_ALL,
  type CommandAction,
  type CommandCaller,
  type CommandDeps,
  type FleetWriter,
} from './port.js';
import {
  ACCEPTED_NOT_YET_VISIBLE,
  asUserError,
  NAME,
  userError,
  type AcceptedWrite,
  type GitRepoRef,
  type PatchOutcome,
  type UserError,
} from './results.js';
import { changedFields, specView, type VersionMemo } from './versions.js';

export class WritePath {
  /** How long a command waits for the store to show its write. */
  readonly writeWaitMs: number;

  constructor(
    readonly deps: CommandDeps,
    /** What each GitRepo version held, to judge stale preconditions (versions.ts). */
    readonly versions: VersionMemo,
  ) {
    this.writeWaitMs = deps.writeWaitMs ?? 10_000;
  }

  /**
   * Refusals decided before anything is sent, in an order that leaks nothing: the namespace must
   * be a valid name inside the watched workspaces (static configuration), then the caller must be
   * allowed the write (so FORBIDDEN comes before NOT_FOUND, whether or not the object exists).
   */
  async denied(caller: CommandCaller, action: CommandAction, ref: GitRepoRef, dryRun: boolean) {
    const bound = this.outOfBounds(ref.namespace);
    if (bound) return bound;
    if (!this.writerOf(caller))
      return userError(
        ErrorCode.FORBIDDEN,
        `an anonymous caller may not ${action} GitRepo ${ref.namespace}/${ref.name}`,
      );
    const verdict = await (this.deps.authorize ?? ALLOW_ALL)(caller, { action, ...ref, dryRun });
    if (verdict === true) return undefined;
    const who = caller.kind === 'user' ? `user "${caller.name}"` : 'anonymous caller';
    const why = typeof verdict === 'string' ? `: ${verdict}` : '';
    return userError(
      ErrorCode.FORBIDDEN,
      `${who} may not ${action} GitRepo ${ref.namespace}/${ref.name}${why}`,
    );
  }

  /** INVALID_ARGUMENT for a namespace that is not a DNS label or not a watched workspace. */
  outOfBounds(namespace: string): UserError | undefined {
    if (!NAME.test(namespace) || namespace.length > 63)
      return userError(
        ErrorCode.INVALID_ARGUMENT,
        `"${namespace}" is not a valid namespace name`,
        'namespace',
      );
    const allowed = this.deps.namespaces ?? [];
    if (allowed.length > 0 && !allowed.includes(namespace))
      return userError(
        ErrorCode.INVALID_ARGUMENT,
        `namespace "${namespace}" is not one of the workspaces this gateway serves (${allowed.join(', ')})`,
        'namespace',
      );
    return undefined;
  }

  /** The writer acting as `caller`; undefined when they may not write (anonymous under authentication). */
  writerOf(caller: CommandCaller): FleetWriter | undefined {
    return this.deps.writerFor ? this.deps.writerFor(caller) : this.deps.writer;
  }

  /** One structured line per write command: who, from where, what, and how it ended. */
  async audited<
    R extends {
      userErrors: readonly UserError[];
      gitRepo?: GitRepoRecord | null;
      accepted?: AcceptedWrite | undefined;
    },
  >(
    caller: CommandCaller,
    action: CommandAction,
    ref: GitRepoRef,
    dryRun: boolean,
    run: () => Promise<R>,
  ): Promise<R> {
    let result: R | undefined;
    try {
      result = await run();
      return result;
    } finally {
      const outcome = !result
        ? ErrorCode.INTERNAL
        : (result.userErrors[0]?.code ?? (result.accepted ? ACCEPTED_NOT_YET_VISIBLE : 'OK'));
      this.deps.logger.info(
        {
          principal: caller.kind === 'user' ? caller.name : 'anonymous',
          groups: caller.kind === 'user' ? caller.groups : [],
          sourceAddress: caller.source?.address,
          origin: caller.source?.origin,
          userAgent: caller.source?.userAgent,
          action,
          object: { kind: 'GitRepo', namespace: ref.namespace, name: ref.name },
          dryRun,
          outcome,
          resourceVersion: result?.accepted?.resourceVersion ?? result?.gitRepo?.resourceVersion,
        },
        'audit',
      );
    }
  }

  repo(ref: GitRepoRef): GitRepoRecord | undefined {
    return this.deps.store.snapshot().get('GitRepo', `${ref.namespace}/${ref.name}`);
  }

  notFound(ref: GitRepoRef): UserError {
    return userError(ErrorCode.NOT_FOUND, `GitRepo "${ref.namespace}/${ref.name}" not found`, 'name');
  }

  /** The stale-precondition error, naming what the caller would overwrite. */
  conflict(repo: GitRepoRecord, expected: string): UserError {
    const seen = this.versions.get(repo.key, expected);
    const changed = seen ? changedFields(seen, specView(repo)) : [];
    const what = changed.length > 0 ? `${changed.join(', ')} changed` : 'changed';
    return userError(
      ErrorCode.CONFLICT,
      `GitRepo "${repo.key}" ${what} since resourceVersion ${expected} (now ${repo.resourceVersion}, generation ${repo.generation}); current targets: ${JSON.stringify(repo.targets)}. Read it again and retry.`,
      'expectedResourceVersion',
      repo.resourceVersion,
    );
  }

  /**
   * The precondition to write with, or CONFLICT. A version whose spec (generation) is the current
   * one only missed status or metadata writes, which the edit does not overwrite: the write is
   * then guarded by the current version instead, so a spec change racing with it still conflicts.
   */
  precondition(
    repo: GitRepoRecord,
    expected: string | null | undefined,
  ): { rv: string | undefined } | UserError {
    if (!expected) return { rv: undefined };
    if (expected === repo.resourceVersion) return { rv: expected };
    const seen = this.versions.get(repo.key, expected);
    if (seen && seen.generation === repo.generation) return { rv: repo.resourceVersion };
    return this.conflict(repo, expected);
  }

  /** A CONFLICT from the API server, completed with the current object once the store has it. */
  conflictFromServer(ref: GitRepoRef, expected: string): UserError {
    const repo = this.repo(ref);
    if (!repo) return this.notFound(ref);
    if (repo.resourceVersion !== expected) return this.conflict(repo, expected);
    // The API server is ahead of the gateway's watch: what changed is not known here yet.
    return userError(
      ErrorCode.CONFLICT,
      `GitRepo "${repo.key}" changed on the API server since resourceVersion ${expected}; the gateway has not seen the change yet. Read it again and retry.`,
      'expectedResourceVersion',
    );
  }

  /**
   * Patch as the caller, then wait for the store to hold the write. Returns the new record, a user
   * error, or — when the store has not seen the accepted write within the wait — its resourceVersion.
   */
  async patch(
    caller: CommandCaller,
    ref: GitRepoRef,
    patch: Record<string, unknown>,
    expected: string | null | undefined,
  ): Promise<PatchOutcome> {
    const writer = this.writerOf(caller);
    if (!writer)
      return userError(
        ErrorCode.FORBIDDEN,
        `an anonymous caller may not change GitRepo ${ref.namespace}/${ref.name}`,
      );
    try {
      const w = await writer.patchGitRepo(ref.namespace, ref.name, patch, expected ?? undefined);
      try {
        const rec = await this.deps.store.waitForVersion(
          'GitRepo',
          `${ref.namespace}/${ref.name}`,
          w.resourceVersion,
          {
            timeoutMs: this.writeWaitMs,
          },
        );
        return rec ?? this.notFound(ref);
      } catch (err) {
        if (isFleetGraphError(err) && err.code === ErrorCode.TIMEOUT)
          return { resourceVersion: w.resourceVersion };
        throw err;
      }
    } catch (err) {
      if (isFleetGraphError(err) && err.code === ErrorCode.CONFLICT && expected)
        return this.conflictFromServer(ref, expected);
      return asUserError(err, this.deps.logger);
    }
  }
}
