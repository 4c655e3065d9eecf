/**
 * GitRepoRestriction as Fleet's gitjob reconciler applies it (gitops/reconciler/restrictions.go
 * `AuthorizeAndAssignDefaults`, v0.12.0 up to v0.14; docs/fleet/sources.md §9.1), as a pure
 * function. Every GitRepoRestriction of the GitRepo's namespace counts: they are folded in name
 * order into one (the first non-empty default wins, the allow-lists are concatenated), and the
 * GitRepo is judged field by field in Fleet's order — target namespace, service account, repo,
 * client secret — stopping at the first refusal. An accepted GitRepo gets the defaults for the
 * fields it leaves empty; Fleet keeps them in memory for the job (the Bundles get the default
 * service account) and does not write them back to the GitRepo in these versions.
 *
 * Not modelled: `allowedTargetNamespaceSelector` (v0.15+) and the Policy kind (later releases).
 * Patterns are JavaScript regular expressions standing in for Go's RE2; the difference only shows
 * for syntax one of them lacks.
 */
import type { GitRepo, GitRepoRestriction } from '../../apis/fleet.js';

/** The restrictions of one namespace folded into one (restrictions.go `aggregate`). */
export interface FoldedRestriction {
  readonly defaultServiceAccount: string;
  readonly defaultClientSecretName: string;
  readonly allowedServiceAccounts: readonly string[];
  readonly allowedClientSecretNames: readonly string[];
  readonly allowedRepoPatterns: readonly string[];
  readonly allowedTargetNamespaces: readonly string[];
}

export type RestrictionVerdict =
  | {
      readonly accepted: true;
      /** The GitRepo's fields with the defaults filled in, as the job uses them. */
      readonly targetNamespace: string;
      readonly serviceAccount: string;
      readonly clientSecretName: string;
    }
  | { readonly accepted: false; readonly message: string };

export function foldRestrictions(list: readonly GitRepoRestriction[]): FoldedRestriction {
  const sorted = [...list].sort((a, b) =>
    (a.metadata.name ?? '') < (b.metadata.name ?? '')
      ? -1
      : (a.metadata.name ?? '') > (b.metadata.name ?? '')
        ? 1
        : 0,
  );
  let defaultServiceAccount = '';
  let defaultClientSecretName = '';
  const sas: string[] = [];
  const secrets: string[] = [];
  const repos: string[] = [];
  const namespaces: string[] = [];
  for (const r of sorted) {
    defaultServiceAccount ||= r.defaultServiceAccount ?? '';
    defaultClientSecretName ||= r.defaultClientSecretName ?? '';
    sas.push(...(r.allowedServiceAccounts ?? []));
    secrets.push(...(r.allowedClientSecretNames ?? []));
    repos.push(...(r.allowedRepoPatterns ?? []));
    namespaces.push(...(r.allowedTargetNamespaces ?? []));
  }
  return {
    defaultServiceAccount,
    defaultClientSecretName,
    allowedServiceAccounts: sas,
    allowedClientSecretNames: secrets,
    allowedRepoPatterns: repos,
    allowedTargetNamespaces: namespaces,
  };
}

/** How Go's `%v` prints a []string. */
function goList(values: readonly string[]): string {
  return `[${values.join(' ')}]`;
}

/** restrictions.go `isAllowed`: empty takes the default, an empty list allows anything. */
function exact(value: string, fallback: string, allowed: readonly string[]): string | Error {
  if (value === '') return fallback;
  if (allowed.length === 0 || allowed.includes(value)) return value;
  return new Error(`${value} not in allowed set ${goList(allowed)}`);
}

/** restrictions.go `isAllowedByRegex`: verbatim equality, else an unanchored regex match. */
function byPattern(value: string, patterns: readonly string[]): string | Error {
  if (value === '' || patterns.length === 0) return value;
  for (const p of patterns) {
    if (p === value) return value;
    let re: RegExp;
    try {
      re = new RegExp(p);
    } catch (e) {
      return new Error(`GitRepoRestriction failed to compile regex '${p}': ${(e as Error).message}`);
    }
    if (re.test(value)) return value;
  }
  return new Error(`${value} not in allowed set ${goList(patterns)}`);
}

/** Judges a GitRepo against the restrictions of its namespace; no restriction accepts as it is. */
export function authorizeGitRepo(
  repo: GitRepo,
  restrictions: readonly GitRepoRestriction[],
): RestrictionVerdict {
  const s = repo.spec;
  const targetNamespace = s?.targetNamespace ?? '';
  const serviceAccount = s?.serviceAccount ?? '';
  const clientSecretName = s?.clientSecretName ?? '';
  if (restrictions.length === 0) return { accepted: true, targetNamespace, serviceAccount, clientSecretName };
  const r = foldRestrictions(restrictions);
  if (r.allowedTargetNamespaces.length > 0 && targetNamespace === '')
    return {
      accepted: false,
      message: 'empty targetNamespace denied, because allowedTargetNamespaces restriction is present',
    };
  const ns = exact(targetNamespace, '', r.allowedTargetNamespaces);
  if (ns instanceof Error)
    return { accepted: false, message: `disallowed targetNamespace ${targetNamespace}: ${ns.message}` };
  const sa = exact(serviceAccount, r.defaultServiceAccount, r.allowedServiceAccounts);
  if (sa instanceof Error)
    return { accepted: false, message: `disallowed serviceAccount ${serviceAccount}: ${sa.message}` };
  const url = s?.repo ?? '';
  const repoOk = byPattern(url, r.allowedRepoPatterns);
  if (repoOk instanceof Error)
    return { accepted: false, message: `disallowed repo ${url}: ${repoOk.message}` };
  const secret = exact(clientSecretName, r.defaultClientSecretName, r.allowedClientSecretNames);
  if (secret instanceof Error)
    return {
      accepted: false,
      message: `disallowed clientSecretName ${clientSecretName}: ${secret.message}`,
    };
  return { accepted: true, targetNamespace: ns, serviceAccount: sa, clientSecretName: secret };
}
