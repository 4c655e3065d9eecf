/**
 * What a `fleet apply` job makes of a GitRepo (docs/fleet/targeting.md §4.1, docs/fleet/links.md §3.1, §3.2), as pure functions:
 * one Bundle per `spec.paths` entry (or the repo root), named by HelmReleaseName, labelled with the
 * GitRepo's labels plus repo-name and commit, with targets and restrictions copied from the
 * GitRepo's targets (the default target when there are none). The simulated repository holds a
 * small deterministic manifest per path.
 */
import { parse as parseYaml } from 'yaml';
import type {
  Bundle,
  BundleDeploymentOptions,
  BundleResource,
  BundleTarget,
  GitRepo,
  GitTarget,
  TargetCriteria,
} from '../../apis/fleet.js';
import { LABEL_COMMIT, LABEL_REPO_NAME } from '../../apis/labels.js';
import type { LabelSelector } from '../../apis/selector.js';
import { cleanPath, fakeCommit, gitRepoBundleName } from './naming.js';

/** Used when `spec.targets` is empty (targetsyaml.go): group `default`, which only fleet-local has. */
export const DEFAULT_TARGET: GitTarget = { name: 'default', clusterGroup: 'default' };

/**
 * A label selector as it comes out of Go's encoding/json: `matchLabels`, `matchExpressions` and a
 * requirement's `values` carry `omitempty`, so empty ones vanish; the selector itself is a pointer,
 * so an empty `{}` stays (and still matches every cluster).
 */
function goJsonSelector(sel: LabelSelector): LabelSelector {
  const out: LabelSelector = {};
  if (sel.matchLabels && Object.keys(sel.matchLabels).length > 0) out.matchLabels = { ...sel.matchLabels };
  if (sel.matchExpressions?.length) {
    out.matchExpressions = sel.matchExpressions.map((r) => ({
      key: r.key,
      operator: r.operator,
      ...(r.values?.length ? { values: [...r.values] } : {}),
    }));
  }
  return out;
}

/**
 * One GitTarget as the job writes it (gitops/reconciler/targetsyaml.go newTargetsConfigMap): the
 * targets go through json.Marshal, whose `omitempty` drops `""` strings and null or empty
 * selector parts, so `clusterName: ""` or `matchLabels: {}` never reach the Bundle (all versions).
 */
function criteriaOf(t: GitTarget): TargetCriteria {
  const out: TargetCriteria = {};
  if (t.name) out.name = t.name;
  if (t.clusterName) out.clusterName = t.clusterName;
  if (t.clusterSelector) out.clusterSelector = goJsonSelector(t.clusterSelector);
  if (t.clusterGroup) out.clusterGroup = t.clusterGroup;
  if (t.clusterGroupSelector) out.clusterGroupSelector = goJsonSelector(t.clusterGroupSelector);
  return out;
}

/** Each GitTarget becomes a BundleTarget without options and, identically, a restriction. */
export function targetsFromGitRepo(repo: GitRepo): {
  targets: BundleTarget[];
  targetRestrictions: TargetCriteria[];
} {
  const src = repo.spec?.targets?.length ? repo.spec.targets : [DEFAULT_TARGET];
  return { targets: src.map(criteriaOf), targetRestrictions: src.map(criteriaOf) };
}

/** The simulated commit at the GitRepo's branch or revision. */
export function commitOf(repo: GitRepo): string {
  return repo.spec?.revision || fakeCommit(repo.spec?.repo ?? '', repo.spec?.branch ?? 'master');
}

/** The paths the job bundles: `spec.paths`, or the repository root. */
export function pathsOf(repo: GitRepo): string[] {
  const paths = repo.spec?.paths?.length ? repo.spec.paths : [''];
  return [...new Set(paths.map(cleanPath))];
}

/** A small, deterministic manifest for one path of the simulated repository. */
export function resourcesFor(repo: GitRepo, path: string, commit: string): BundleResource[] {
  const app = (path.split('/').pop() || repo.metadata.name || 'app')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-');
  const content = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    `metadata: {name: ${app}}`,
    `spec: {replicas: 1, selector: {matchLabels: {app: ${app}}}, template: {metadata: {labels: {app: ${app}}}, spec: {containers: [{name: ${app}, image: "registry.example/${app}:${commit.slice(0, 7)}"}]}}}`,
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    `metadata: {name: ${app}-config}`,
    `data: {source: "${repo.spec?.repo ?? ''}", path: "${path}"}`,
    '',
  ].join('\n');
  return [{ name: `${path ? `${path}/` : ''}manifests.yaml`, content }];
}

/**
 * The simulated repository has no files, so a GitRepo may carry the `fleet.yaml` of every path in
 * this annotation (a simulator convention). Read as `fleet apply` reads one: bundle-level options,
 * `targetCustomizations` (criteria, `doNotDeploy` and options) and `targetCustomizationMode`. An
 * annotation that is not a YAML map is ignored.
 */
export const ANNOTATION_SIMULATED_FLEET_YAML = 'simulator.fleet-graph.io/fleet-yaml';

interface FleetYaml {
  readonly options: BundleDeploymentOptions;
  readonly customizations: BundleTarget[];
  readonly mode?: 'FirstMatch' | 'AllMatches';
}

const OPTION_KEYS = [
  'defaultNamespace',
  'namespace',
  'serviceAccount',
  'keepResources',
  'deleteNamespace',
  'helm',
  'kustomize',
  'yaml',
  'diff',
  'correctDrift',
  'namespaceLabels',
  'namespaceAnnotations',
] as const;

export function fleetYamlOf(repo: GitRepo): FleetYaml | undefined {
  const text = repo.metadata.annotations?.[ANNOTATION_SIMULATED_FLEET_YAML];
  if (!text) return undefined;
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  const options: Record<string, unknown> = {};
  for (const k of OPTION_KEYS) if (d[k] !== undefined && d[k] !== null) options[k] = d[k];
  const customizations = Array.isArray(d.targetCustomizations)
    ? (d.targetCustomizations as unknown[]).filter(
        (t): t is BundleTarget => t !== null && typeof t === 'object' && !Array.isArray(t),
      )
    : [];
  const mode = d.targetCustomizationMode === 'AllMatches' ? 'AllMatches' : undefined;
  return { options: options, customizations, ...(mode ? { mode } : {}) };
}

/** The Bundles a job run produces for a GitRepo. */
export function bundlesForGitRepo(repo: GitRepo): Bundle[] {
  const name = repo.metadata.name ?? '';
  const commit = commitOf(repo);
  const { targets: gitTargets, targetRestrictions } = targetsFromGitRepo(repo);
  const fy = fleetYamlOf(repo);
  // fleet.yaml's customizations come first, the GitRepo's targets after them (docs/fleet/targeting.md §4.5).
  const targets = [...(fy?.customizations ?? []), ...gitTargets];
  const s = repo.spec ?? { repo: '' };
  return pathsOf(repo).map((path) => ({
    metadata: {
      name: gitRepoBundleName(name, path),
      namespace: repo.metadata.namespace ?? '',
      labels: { ...(repo.metadata.labels ?? {}), [LABEL_REPO_NAME]: name, [LABEL_COMMIT]: commit },
    },
    spec: {
      ...fy?.options,
      ...(fy?.mode ? { targetCustomizationMode: fy.mode } : {}),
      ...(s.targetNamespace ? { namespace: s.targetNamespace } : {}),
      ...(s.serviceAccount ? { serviceAccount: s.serviceAccount } : {}),
      ...(s.keepResources ? { keepResources: true } : {}),
      ...(s.deleteNamespace ? { deleteNamespace: true } : {}),
      ...(s.forceSyncGeneration ? { forceSyncGeneration: s.forceSyncGeneration } : {}),
      ...(s.paused ? { paused: true } : {}),
      resources: resourcesFor(repo, path, commit),
      targets,
      targetRestrictions,
    },
  }));
}
