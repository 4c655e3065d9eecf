/**
 * The GitRepo commands besides retarget: a guarded spec patch (pause, force sync, source fields),
 * create (its targets validated and planned as a retarget's) and delete.
 */
import type { GitRepoSpec, GitTarget } from '../../../apis/fleet.js';
import { ErrorCode, isFleetGraphError } from '../../../shared/errors.js';
import type { GitRepoRecord } from '../rules/read-model.js';
import { FleetView } from '../rules/view.js';
import { planRetarget, retargetValidation } from './plan.js';
import type { CommandAction, CommandCaller } from './port.js';
import {
  asUserError,
  isAccepted,
  isRecord,
  NAME,
  userError,
  type CommandResult,
  type GitRepoFields,
  type GitRepoRef,
  type Guarded,
  type RetargetResult,
  type UserError,
} from './results.js';
import type { WritePath } from './write-path.js';

/** What createGitRepo takes. */
export type CreateInput = GitRepoRef &
  GitRepoFields & { targets: readonly GitTarget[]; paused?: boolean | null; dryRun?: boolean | null };

export async function patchCommand(
  w: WritePath,
  caller: CommandCaller,
  action: CommandAction,
  input: Guarded,
  patchOf: (repo: GitRepoRecord) => Record<string, unknown>,
  problems: UserError[],
): Promise<CommandResult> {
  const dryRun = input.dryRun ?? false;
  const forbidden = await w.denied(caller, action, input, dryRun);
  const repo = w.repo(input);
  if (forbidden) return { gitRepo: null, userErrors: [forbidden], dryRun };
  if (!repo) problems = [...problems, w.notFound(input)];
  if (problems.length > 0 || !repo) return { gitRepo: repo ?? null, userErrors: problems, dryRun };
  const pre = w.precondition(repo, input.expectedResourceVersion);
  if ('code' in pre) return { gitRepo: repo, userErrors: [pre], dryRun };
  if (dryRun) return { gitRepo: repo, userErrors: [], dryRun };
  const written = await w.patch(caller, input, patchOf(repo), pre.rv);
  if (isAccepted(written)) return { gitRepo: repo, userErrors: [], dryRun, accepted: written };
  if (!isRecord(written)) return { gitRepo: w.repo(input) ?? null, userErrors: [written], dryRun };
  return { gitRepo: written, userErrors: [], dryRun };
}

export async function create(
  w: WritePath,
  caller: CommandCaller,
  input: CreateInput,
): Promise<RetargetResult> {
  const dryRun = input.dryRun ?? false;
  const forbidden = await w.denied(caller, 'create', input, dryRun);
  if (forbidden) return { gitRepo: null, plan: null, operation: null, userErrors: [forbidden], dryRun };
  const v = retargetValidation(input.targets);
  const errors = [
    ...(NAME.test(input.name) && input.name.length <= 63
      ? []
      : [
          userError(
            ErrorCode.INVALID_ARGUMENT,
            `"${input.name}" is not a valid GitRepo name (a DNS label)`,
            'name',
          ),
        ]),
    ...sourceProblems(input, true),
    ...v.problems.map((p) => userError(ErrorCode.INVALID_TARGET, p.message, p.field)),
  ];
  if (w.repo(input))
    errors.push(
      userError(
        ErrorCode.CONFLICT,
        `GitRepo "${input.namespace}/${input.name}" already exists`,
        'name',
        w.repo(input)?.resourceVersion,
      ),
    );
  if (errors.length > 0)
    return { gitRepo: w.repo(input) ?? null, plan: null, operation: null, userErrors: errors, dryRun };
  const spec: GitRepoSpec = { ...sourceSpec(input), repo: input.repo ?? '', targets: [...input.targets] };
  if (input.paused) spec.paused = true;
  // The plan of a new GitRepo: what its targets would reach (it has no Bundles yet, docs/fleet/targeting.md §4.1).
  const draft = draftRepo(input.namespace, input.name, spec);
  const plan = planRetarget(new FleetView(w.deps.store.snapshot()), draft, input.targets, v.warnings);
  if (dryRun) return { gitRepo: null, plan, operation: null, userErrors: [], dryRun };
  let written;
  try {
    written = await w.writerOf(caller)!.createGitRepo(input.namespace, input.name, spec);
  } catch (err) {
    return {
      gitRepo: null,
      plan,
      operation: null,
      userErrors: [asUserError(err, w.deps.logger)],
      dryRun,
    };
  }
  // Created: from here on the answer is never an error, at worst "accepted, not seen yet".
  const rec = await w.deps.store
    .waitForVersion('GitRepo', `${input.namespace}/${input.name}`, written.resourceVersion, {
      timeoutMs: w.writeWaitMs,
    })
    .catch(() => undefined);
  if (!rec)
    return {
      gitRepo: null,
      plan,
      operation: null,
      userErrors: [],
      dryRun,
      accepted: { resourceVersion: written.resourceVersion },
    };
  return { gitRepo: rec, plan, operation: null, userErrors: [], dryRun };
}

export async function deleteRepo(
  w: WritePath,
  caller: CommandCaller,
  input: Guarded,
): Promise<CommandResult & { deleted: boolean }> {
  const dryRun = input.dryRun ?? false;
  const forbidden = await w.denied(caller, 'delete', input, dryRun);
  const repo = w.repo(input);
  if (forbidden) return { gitRepo: null, userErrors: [forbidden], dryRun, deleted: false };
  if (!repo) return { gitRepo: null, userErrors: [w.notFound(input)], dryRun, deleted: false };
  const pre = w.precondition(repo, input.expectedResourceVersion);
  if ('code' in pre) return { gitRepo: repo, userErrors: [pre], dryRun, deleted: false };
  if (dryRun) return { gitRepo: repo, userErrors: [], dryRun, deleted: false };
  const expected = pre.rv;
  try {
    await w
      .writerOf(caller)!
      .deleteGitRepo(input.namespace, input.name, expected ? { resourceVersion: expected } : undefined);
  } catch (err) {
    if (isFleetGraphError(err) && err.code === ErrorCode.CONFLICT && expected)
      return {
        gitRepo: repo,
        userErrors: [w.conflictFromServer(input, expected)],
        dryRun,
        deleted: false,
      };
    return { gitRepo: repo, userErrors: [asUserError(err, w.deps.logger)], dryRun, deleted: false };
  }
  // Read-your-writes: the store shows it gone, or terminating while Fleet's finalizer runs (docs/fleet/lifecycle.md §6.2).
  await w.deps.store
    .waitForDeletion('GitRepo', repo.key, repo.uid, {
      resourceVersion: String(Number(repo.resourceVersion) + 1),
      timeoutMs: w.writeWaitMs,
    })
    .catch(() => undefined);
  return { gitRepo: w.repo(input) ?? repo, userErrors: [], dryRun, deleted: true };
}

export function sourceProblems(input: GitRepoFields, creating: boolean): UserError[] {
  const out: UserError[] = [];
  if (creating && !input.repo)
    out.push(
      userError(
        ErrorCode.INVALID_ARGUMENT,
        'repo is required (at least one character, docs/fleet/objects.md §2.2)',
        'repo',
      ),
    );
  if (!creating && input.repo === '')
    out.push(userError(ErrorCode.INVALID_ARGUMENT, 'repo must not be empty', 'repo'));
  (input.paths ?? []).forEach((p, i) => {
    if (p.trim() === '')
      out.push(userError(ErrorCode.INVALID_ARGUMENT, 'a path must not be empty', `paths[${i}]`));
  });
  if (input.branch && input.revision)
    out.push(
      userError(
        ErrorCode.INVALID_ARGUMENT,
        'set either branch or revision, not both (revision wins in Fleet)',
        'revision',
      ),
    );
  return out;
}

export function sourceSpec(input: GitRepoFields): Partial<GitRepoSpec> & Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (input.repo != null) spec['repo'] = input.repo;
  if (input.branch !== undefined) spec['branch'] = input.branch;
  if (input.revision !== undefined) spec['revision'] = input.revision;
  if (input.paths != null) spec['paths'] = [...input.paths];
  return spec;
}

function draftRepo(namespace: string, name: string, spec: GitRepoSpec): GitRepoRecord {
  return {
    kind: 'GitRepo',
    key: `${namespace}/${name}`,
    namespace,
    name,
    uid: '',
    resourceVersion: '',
    generation: 0,
    labels: {},
    annotations: {},
    creationTimestamp: '',
    repo: spec.repo,
    paths: spec.paths ?? [],
    targets: [],
    paused: spec.paused ?? false,
    forceSyncGeneration: 0,
    status: {
      observedGeneration: 0,
      updateGeneration: 0,
      readyClusters: 0,
      desiredReadyClusters: 0,
      summary: undefined,
      display: {},
      conditions: [],
      resourceCounts: undefined,
    },
  };
}
