/**
 * Fleet's per-cluster Helm values preprocessing (target/builder.go `preprocessHelmValues`, the
 * same from v0.10 to the current release; docs/fleet/targeting.md §4.8), run on each target's
 * merged options before its deployment ID is computed:
 *
 * 1. the cluster labels it uses are the cluster's labels without `kubectl.kubernetes.io/…` keys
 *    and keys containing `cattle.io/`, except `fleet.cattle.io/…` and `management.cattle.io/…`
 *    ones; with no such label nothing is processed at all (a cluster without labels gets its
 *    values verbatim, templates included);
 * 2. options without `helm` get an empty `helm`; empty values and no `templateValues` stop here;
 * 3. any string value `global.fleet.clusterLabels.<key>` becomes that label's value, or "";
 * 4. unless `helm.disablePreProcess`, the values, written as YAML, are run as a template with
 *    `${ }` delimiters and `missingkey=error` against `.ClusterName`, `.ClusterNamespace`,
 *    `.ClusterLabels`, `.ClusterAnnotations` and `.ClusterValues` (the Cluster's
 *    `spec.templateValues`), and read back as YAML; each `templateValues` entry is rendered the
 *    same way and set as a top-level value.
 *
 * Any failure is a targeting error of the whole Bundle: Fleet's Targets returns it, the Bundle's
 * Ready condition says "targeting error: cluster <name> in namespace <ns>: …" and no
 * BundleDeployment is written.
 */
import type { BundleDeploymentOptions, Cluster } from '../../apis/fleet.js';
import { GoTemplateError, renderGoTemplate } from '../../apis/gotemplate.js';
import { fromGoYaml, toGoYaml } from '../../apis/goyaml.js';
import { TargetingError } from './targeting.js';

const LABEL_PREFIX = 'global.fleet.clusterLabels.';
const MAX_DEPTH = 50;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** wrangler's yaml.CleanAnnotationsForExport. */
function cleanForExport(m: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m ?? {}))
    if (!k.startsWith('kubectl.kubernetes.io/') && !k.includes('cattle.io/')) out[k] = v;
  return out;
}

function replaceLabelRefs(values: Obj, labels: Record<string, string>, depth: number): void {
  if (depth > MAX_DEPTH)
    throw new Error(
      `maximum recursion depth of ${MAX_DEPTH} exceeded for cluster label prefix processing, too many nested values`,
    );
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'string' && v.startsWith(LABEL_PREFIX))
      values[k] = labels[v.slice(LABEL_PREFIX.length)] ?? '';
    if (isObj(v)) replaceLabelRefs(v, labels, depth + 1);
    if (Array.isArray(v)) for (const item of v) if (isObj(item)) replaceLabelRefs(item, labels, depth + 1);
  }
}

function render(src: string, context: Obj): string {
  try {
    return renderGoTemplate(src, context);
  } catch (e) {
    if (!(e instanceof GoTemplateError)) throw e;
    throw new Error(
      `failed to ${e.phase === 'parse' ? 'parse' : 'render'} helm values template: ${e.message}`,
      { cause: e },
    );
  }
}

function readBack(text: string): unknown {
  try {
    return fromGoYaml(text);
  } catch (e) {
    throw new Error(`failed to interpret rendered template as helm values: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** The options Fleet stages for one cluster; throws TargetingError as Fleet's Targets fails. */
export function preprocessHelmValues(
  options: BundleDeploymentOptions,
  cluster: Cluster,
): BundleDeploymentOptions {
  const labels = cleanForExport(cluster.metadata.labels);
  for (const [k, v] of Object.entries(cluster.metadata.labels ?? {}))
    if (k.startsWith('fleet.cattle.io/') || k.startsWith('management.cattle.io/')) labels[k] = v;
  if (Object.keys(labels).length === 0) return options;
  if (!isObj(options.helm)) return { ...options, helm: {} };
  const helm = structuredClone(options.helm);
  const values: Obj = isObj(helm.values) ? helm.values : {};
  helm.values = values;
  const templateValues = isObj(helm.templateValues)
    ? (helm.templateValues as Record<string, string>)
    : undefined;
  const out = { ...options, helm };
  if (!templateValues && Object.keys(values).length === 0) return out;
  try {
    replaceLabelRefs(values, labels, 0);
    if (helm.disablePreProcess === true) return out;
    const context: Obj = {
      ClusterNamespace: cluster.metadata.namespace ?? '',
      ClusterName: cluster.metadata.name ?? '',
      ClusterLabels: labels,
      ClusterAnnotations: cleanForExport(cluster.metadata.annotations),
      ClusterValues: isObj(cluster.spec?.templateValues) ? cluster.spec.templateValues : {},
    };
    const rendered = readBack(render(toGoYaml(values), context));
    if (rendered !== null && !isObj(rendered))
      throw new Error('failed to interpret rendered template as helm values: not a map');
    const next: Obj = rendered ?? {};
    for (const [k, src] of Object.entries(templateValues ?? {}))
      next[k] = readBack(render(String(src), context));
    helm.values = next;
    return out;
  } catch (e) {
    if (e instanceof TargetingError) throw e;
    throw new TargetingError(
      `cluster ${cluster.metadata.name ?? ''} in namespace ${cluster.metadata.namespace ?? ''}: ${(e as Error).message}`,
    );
  }
}
