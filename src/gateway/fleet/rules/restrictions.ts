/**
 * Whether Fleet accepts a GitRepo under the GitRepoRestrictions of its namespace, and with which
 * defaults (docs/fleet/sources.md §9.1), following rancher/fleet
 * `internal/cmd/controller/gitops/reconciler/restrictions.go` `AuthorizeAndAssignDefaults` as of
 * v0.12.0–v0.14. Pure: restriction records and the GitRepo's fields in, a verdict out.
 *
 * Fleet checks, in this order, stopping at the first refusal: a non-empty `targetNamespace` when
 * target namespaces are restricted, then `targetNamespace`, `serviceAccount`, `repo` and
 * `clientSecretName` against the allow-lists of all restrictions of the namespace together (lists
 * concatenated by restriction name; an empty list allows anything; an empty value takes the first
 * non-empty default instead and is not checked). Repo patterns are unanchored regular
 * expressions, and an entry equal to the URL allows it even when it is no valid expression.
 * A refusal is the GitRepo's `Accepted=False` condition with the message built here; Fleet then
 * writes no Bundles for it.
 */
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import type { GitRepoRestrictionRecord, Snapshot } from '../../store/records.js';

/** The GitRepo fields a restriction judges. */
export interface RestrictedFields {
  readonly repo?: string | undefined;
  readonly targetNamespace?: string | undefined;
  readonly serviceAccount?: string | undefined;
  readonly clientSecretName?: string | undefined;
}

export interface RestrictionAccepted {
  readonly accepted: true;
  /** The values Fleet's job uses: the GitRepo's own, or the restriction's defaults for empty ones. */
  readonly serviceAccount: string;
  readonly clientSecretName: string;
}

export interface RestrictionRefused {
  readonly accepted: false;
  /** The restrictions' names, sorted. */
  readonly restrictions: readonly string[];
  /** Fleet's `Accepted` condition message. */
  readonly message: string;
}

export type RestrictionVerdict = RestrictionAccepted | RestrictionRefused;

/** `%v` of a Go string slice. */
const asGoSlice = (xs: readonly string[]) => `[${xs.join(' ')}]`;

type Check = { ok: string } | { refused: string };

function inList(value: string, fallback: string, allowed: readonly string[]): Check {
  if (!value) return { ok: fallback };
  if (allowed.length > 0 && !allowed.includes(value))
    return { refused: `${value} not in allowed set ${asGoSlice(allowed)}` };
  return { ok: value };
}

function matchesPattern(value: string, patterns: readonly string[]): Check {
  if (!value || patterns.length === 0) return { ok: value };
  for (const pattern of patterns) {
    if (pattern === value) return { ok: value };
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch (e) {
      // Fleet stops at the first pattern that does not compile.
      return { refused: `GitRepoRestriction failed to compile regex '${pattern}': ${(e as Error).message}` };
    }
    if (re.test(value)) return { ok: value };
  }
  return { refused: `${value} not in allowed set ${asGoSlice(patterns)}` };
}

/** The verdict for a GitRepo with `fields` under `restrictions` (those of its namespace). */
export function judgeGitRepo(
  restrictions: readonly GitRepoRestrictionRecord[],
  fields: RestrictedFields,
): RestrictionVerdict {
  const sa = fields.serviceAccount ?? '';
  const secret = fields.clientSecretName ?? '';
  if (restrictions.length === 0) return { accepted: true, serviceAccount: sa, clientSecretName: secret };
  const ordered = [...restrictions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const all = (pick: (r: GitRepoRestrictionRecord) => readonly string[]) => ordered.flatMap(pick);
  const first = (pick: (r: GitRepoRestrictionRecord) => string) =>
    ordered.map(pick).find((v) => v !== '') ?? '';
  const refuse = (message: string): RestrictionRefused => ({
    accepted: false,
    restrictions: ordered.map((r) => r.name),
    message,
  });

  const namespaces = all((r) => r.allowedTargetNamespaces);
  const ns = fields.targetNamespace ?? '';
  if (namespaces.length > 0 && !ns)
    return refuse('empty targetNamespace denied, because allowedTargetNamespaces restriction is present');
  const nsCheck = inList(ns, '', namespaces);
  if ('refused' in nsCheck) return refuse(`disallowed targetNamespace ${ns}: ${nsCheck.refused}`);
  const saCheck = inList(
    sa,
    first((r) => r.defaultServiceAccount),
    all((r) => r.allowedServiceAccounts),
  );
  if ('refused' in saCheck) return refuse(`disallowed serviceAccount ${sa}: ${saCheck.refused}`);
  const repo = fields.repo ?? '';
  const repoCheck = matchesPattern(
    repo,
    all((r) => r.allowedRepoPatterns),
  );
  if ('refused' in repoCheck) return refuse(`disallowed repo ${repo}: ${repoCheck.refused}`);
  const secretCheck = inList(
    secret,
    first((r) => r.defaultClientSecretName),
    all((r) => r.allowedClientSecretNames),
  );
  if ('refused' in secretCheck)
    return refuse(`disallowed clientSecretName ${secret}: ${secretCheck.refused}`);
  return { accepted: true, serviceAccount: saCheck.ok, clientSecretName: secretCheck.ok };
}

/** The verdict for a GitRepo in `namespace` of `snapshot`. */
export function gitRepoRestrictionVerdict(
  snapshot: Pick<Snapshot, 'list'>,
  namespace: string,
  fields: RestrictedFields,
): RestrictionVerdict {
  return judgeGitRepo(snapshot.list('GitRepoRestriction', namespace), fields);
}

/**
 * What a refusal means for a write or a preview: the GitRepo named would not be accepted, so no
 * target list would reach any cluster until the refusal is resolved.
 */
export function restrictionRefusal(key: string, verdict: RestrictionRefused): string {
  return `GitRepoRestriction ${verdict.restrictions.join(', ')} refuses GitRepo "${key}": ${verdict.message} (Fleet sets Accepted=False and writes no Bundles for it)`;
}

/** Throws FleetGraphError RESTRICTED when the restrictions of `namespace` refuse a GitRepo with `fields`. */
export function assertGitRepoAccepted(
  snapshot: Pick<Snapshot, 'list'>,
  namespace: string,
  name: string | undefined,
  fields: RestrictedFields,
): void {
  const v = gitRepoRestrictionVerdict(snapshot, namespace, fields);
  if (v.accepted) return;
  throw new FleetGraphError(ErrorCode.RESTRICTED, restrictionRefusal(`${namespace}/${name ?? ''}`, v), {
    restrictions: v.restrictions,
    reason: v.message,
  });
}
