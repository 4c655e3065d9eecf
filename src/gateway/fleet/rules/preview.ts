/**
 * GitRepo target validation and preview: what a GitRepo in a workspace would reach with a given
 * `spec.targets`, computed as Fleet computes it (docs/fleet/targeting.md §4.1–4.5).
 */
import type { GitTarget } from '../../../apis/fleet.js';
import { DEFAULT_CLUSTER_GROUP, LABEL_REPO_NAME } from '../../../apis/labels.js';
import { InvalidSelectorError, compileLabelSelector, labelValueProblem } from '../../../apis/selector.js';
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import type { FieldProblem } from '../../../shared/errors.js';
import type { Labels } from '../../store/records.js';
import type { PreviewGitRepo, PreviewedCluster } from './read-model.js';
import type { FleetView } from './view.js';

/** docs/fleet/objects.md §2.2: a GitTarget has exactly these five fields (and no `doNotDeploy`). */
const GIT_TARGET_FIELDS = new Set([
  'name',
  'clusterName',
  'clusterSelector',
  'clusterGroup',
  'clusterGroupSelector',
]);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** docs/fleet/targeting.md §4.1: what Fleet uses when `spec.targets` is empty. */
export const DEFAULT_GIT_TARGET: GitTarget = Object.freeze({
  name: 'default',
  clusterGroup: DEFAULT_CLUSTER_GROUP,
});

export interface GitTargetValidation {
  /** Input Fleet or Kubernetes would reject, or that cannot mean what was intended. */
  readonly problems: FieldProblem[];
  /** Valid input that probably does not do what was meant (e.g. a target that matches nothing). */
  readonly warnings: string[];
}

function isObjectName(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN.test(s);
}

function selectorProblems(sel: unknown, field: string): FieldProblem[] {
  if (sel === null || sel === undefined) return [];
  if (typeof sel !== 'object' || Array.isArray(sel))
    return [{ field, message: 'must be a label selector object' }];
  try {
    compileLabelSelector(sel, field);
    return [];
  } catch (e) {
    if (e instanceof InvalidSelectorError) return [...e.problems];
    throw e;
  }
}

function criteriaKey(t: GitTarget): string {
  return JSON.stringify([
    t.clusterName ?? '',
    t.clusterGroup ?? '',
    t.clusterSelector ?? null,
    t.clusterGroupSelector ?? null,
  ]);
}

function validateOne(t: GitTarget, i: number, problems: FieldProblem[], warnings: string[]): void {
  const at = `targets[${i}]`;
  for (const k of Object.keys(t)) {
    if (!GIT_TARGET_FIELDS.has(k)) {
      const hint =
        k === 'doNotDeploy' ? ' (GitTarget cannot express doNotDeploy, docs/fleet/objects.md §2.2)' : '';
      problems.push({ field: `${at}.${k}`, message: `unknown GitTarget field "${k}"${hint}` });
    }
  }
  if (t.clusterName !== undefined && t.clusterName !== '') {
    // A Cluster name, or a Rancher display-name label value (docs/fleet/targeting.md §4.3).
    if (!isObjectName(t.clusterName) && labelValueProblem(t.clusterName) !== undefined) {
      problems.push({
        field: `${at}.clusterName`,
        message: `"${t.clusterName}" is neither a valid Cluster name nor a valid display-name label value`,
      });
    }
  }
  if (t.clusterGroup !== undefined && t.clusterGroup !== '' && !isObjectName(t.clusterGroup)) {
    problems.push({
      field: `${at}.clusterGroup`,
      message: `"${t.clusterGroup}" is not a valid ClusterGroup name (a DNS subdomain)`,
    });
  }
  problems.push(...selectorProblems(t.clusterSelector, `${at}.clusterSelector`));
  problems.push(...selectorProblems(t.clusterGroupSelector, `${at}.clusterGroupSelector`));
  const empty = !t.clusterName && !t.clusterGroup && !t.clusterSelector && !t.clusterGroupSelector;
  if (empty)
    warnings.push(
      `${at} has no criteria (clusterName, clusterSelector, clusterGroup, clusterGroupSelector), so it matches nothing (docs/fleet/targeting.md §4.3).`,
    );
  if (isEmptySelector(t.clusterSelector) && !t.clusterName && !t.clusterGroup && !t.clusterGroupSelector) {
    warnings.push(`${at}.clusterSelector is {}, which selects every cluster in the workspace.`);
  }
}

function isEmptySelector(s: GitTarget['clusterSelector']): boolean {
  return !!s && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

/**
 * Validates a GitRepo's `spec.targets`: selector syntax as Kubernetes accepts it, names, unknown
 * fields, duplicate names; warns on targets that match nothing, duplicate criteria, `{}` selectors
 * and an empty list (docs/fleet/targeting.md §4.1: Fleet then uses `clusterGroup: default`). Field paths are like
 * `targets[1].clusterSelector.matchExpressions[0].operator`.
 */
export function validateGitTargets(targets: readonly GitTarget[]): GitTargetValidation {
  const problems: FieldProblem[] = [];
  const warnings: string[] = [];
  if (targets.length === 0) {
    warnings.push(
      'No targets: Fleet uses the default target {clusterGroup: default} (docs/fleet/targeting.md §4.1); only fleet-local has a "default" group unless someone created one, so elsewhere this deploys nowhere.',
    );
  }
  const names = new Map<string, number>();
  const criteria = new Map<string, number>();
  targets.forEach((t, i) => {
    if (t === null || typeof t !== 'object') {
      problems.push({ field: `targets[${i}]`, message: 'must be an object' });
      return;
    }
    validateOne(t, i, problems, warnings);
    if (t.name) {
      const j = names.get(t.name);
      if (j !== undefined)
        problems.push({ field: `targets[${i}].name`, message: `duplicates targets[${j}].name "${t.name}"` });
      else names.set(t.name, i);
    }
    const key = criteriaKey(t);
    const j = criteria.get(key);
    if (j !== undefined)
      warnings.push(`targets[${i}] has the same criteria as targets[${j}]; only the first can ever match.`);
    else criteria.set(key, i);
  });
  return { problems, warnings };
}

/** Throws FleetGraphError INVALID_SELECTOR (only selector problems) or INVALID_TARGET, with the problems. */
export function assertValidGitTargets(targets: readonly GitTarget[]): GitTargetValidation {
  const v = validateGitTargets(targets);
  if (v.problems.length === 0) return v;
  const onlySelectors = v.problems.every((p) => /\.cluster(Group)?Selector(\.|$)/.test(p.field));
  const code = onlySelectors ? ErrorCode.INVALID_SELECTOR : ErrorCode.INVALID_TARGET;
  const message = v.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  throw new FleetGraphError(code, `invalid targets: ${message}`, {
    problems: v.problems,
    warnings: v.warnings,
  });
}

/**
 * The labels `fleet apply` gives a GitRepo's Bundles (gitops/reconciler/gitjob.go: the GitRepo's
 * labels merged with `repo-name: <gitrepo>`, the latter winning; all versions). The `commit` label
 * and fleet.yaml labels are not known before the job runs and are left out.
 */
export function gitRepoBundleLabels(repo: PreviewGitRepo): Labels {
  return repo.name ? { ...repo.labels, [LABEL_REPO_NAME]: repo.name } : { ...repo.labels };
}

/**
 * The clusters a GitRepo in `namespace` would reach with `targets` (docs/fleet/targeting.md §4.1): the GitTargets become
 * both the Bundle's targets and its restrictions, an empty list becomes `{name: default,
 * clusterGroup: default}`, and the Bundle's labels (the GitRepo's labels plus its `repo-name`)
 * decide which BundleNamespaceMappings export it (docs/fleet/targeting.md §4.2). Sorted by cluster namespace and name.
 */
export function previewTargets(
  view: FleetView,
  namespace: string,
  targets: readonly GitTarget[],
  gitRepo: PreviewGitRepo = {},
): PreviewedCluster[] {
  assertValidGitTargets(targets);
  const effective = targets.length > 0 ? targets : [DEFAULT_GIT_TARGET];
  return view
    .preview({
      namespace,
      labels: gitRepoBundleLabels(gitRepo),
      targets: effective,
      targetRestrictions: effective,
      targetCustomizationMode: 'FirstMatch',
    })
    .sort((a, b) => (a.cluster.key < b.cluster.key ? -1 : a.cluster.key > b.cluster.key ? 1 : 0));
}
