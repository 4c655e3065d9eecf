/**
 * Whether Fleet's per-cluster Helm values templating fails for a Bundle (docs/fleet/targeting.md
 * §4.8), read from rancher/fleet `target/builder.go` (`Targets` → `preprocessHelmValues`,
 * `processTemplateValues`, `processTemplateValuesData`) and `options/calculate.go` (`Merge`).
 * Fleet runs it for every cluster that gets a deployment; the first failure makes the whole
 * Bundle a targeting error ("targeting error: cluster <name> in namespace <ns>: …") and no
 * BundleDeployment is written or changed.
 *
 * The gateway's own reading, apart from the simulator's: it only needs the Helm options that take
 * part (values, templateValues, disablePreProcess), merged as `Merge` merges them, and the
 * cluster's labels, annotations and `spec.templateValues`. When a Bundle keeps its values in a
 * Secret (`valuesHash`, v0.13+) the Bundle carries none and nothing can be judged here.
 */
import type { BundleTarget } from '../../../apis/fleet.js';
import { GoTemplateError, renderGoTemplate } from '../../../apis/gotemplate.js';
import { fromGoYaml, toGoYaml } from '../../../apis/goyaml.js';
import type { BundleRecord, ClusterRecord, HelmTemplating } from '../../store/records.js';
import type { TargetMatch } from './read-model.js';

type Values = Readonly<Record<string, unknown>>;

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The templating part of a target's (or customization's) inline options. */
function helmOf(t: BundleTarget | undefined): HelmTemplating | undefined {
  const h = t?.helm;
  if (!isMap(h)) return undefined;
  return {
    ...(isMap(h.values) ? { values: h.values } : {}),
    ...(isMap(h.templateValues) ? { templateValues: h.templateValues as Record<string, string> } : {}),
    ...(h.disablePreProcess === true ? { disablePreProcess: true } : {}),
  };
}

/** data.MergeMaps: maps merge key by key, anything else from `over` wins. */
function deepMerge(base: Values, over: Values): Values {
  const out: Record<string, unknown> = { ...base };
  for (const k of Object.keys(over)) {
    const a = out[k];
    const b = over[k];
    out[k] = isMap(a) && isMap(b) ? deepMerge(a, b) : b;
  }
  return out;
}

/** options.Merge restricted to the templating fields. */
export function mergeHelmTemplating(
  base: HelmTemplating | undefined,
  custom: HelmTemplating | undefined,
): HelmTemplating | undefined {
  if (!custom) return base;
  const values = !base?.values
    ? custom.values
    : custom.values
      ? deepMerge(base.values, custom.values)
      : base.values;
  const templateValues = !base?.templateValues
    ? custom.templateValues
    : custom.templateValues
      ? { ...base.templateValues, ...custom.templateValues }
      : base.templateValues;
  return {
    ...(values ? { values } : {}),
    ...(templateValues ? { templateValues } : {}),
    ...(base?.disablePreProcess || custom.disablePreProcess ? { disablePreProcess: true } : {}),
  };
}

/**
 * The templating options Fleet computes for a cluster: the matched target's, with the chosen
 * customizations (the first one replacing them in FirstMatch, each merged in order in
 * AllMatches), merged over the Bundle's own.
 */
export function clusterHelmTemplating(bundle: BundleRecord, match: TargetMatch): HelmTemplating | undefined {
  const target = match.targetIndex === undefined ? undefined : bundle.targets[match.targetIndex];
  const chosen = match.customizationIndexes ?? [];
  let own = helmOf(target);
  if (bundle.targetCustomizationMode === 'AllMatches')
    for (const i of chosen) own = mergeHelmTemplating(own, helmOf(bundle.targets[i]));
  else if (chosen.length > 0) own = helmOf(bundle.targets[chosen[0]!]);
  return mergeHelmTemplating(bundle.helmTemplating, own);
}

/** The labels a template sees: export-clean ones, plus Fleet's and Rancher management's own. */
function templateLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    const fleetOwn = k.startsWith('fleet.cattle.io/') || k.startsWith('management.cattle.io/');
    if (fleetOwn || (!k.startsWith('kubectl.kubernetes.io/') && !k.includes('cattle.io/'))) out[k] = v;
  }
  return out;
}

/** Replaces `global.fleet.clusterLabels.<key>` strings, as processLabelValues does (copying, not in place). */
function withLabelRefs(v: unknown, labels: Record<string, string>): unknown {
  const PREFIX = 'global.fleet.clusterLabels.';
  if (typeof v === 'string') return v.startsWith(PREFIX) ? (labels[v.slice(PREFIX.length)] ?? '') : v;
  if (Array.isArray(v)) return (v as unknown[]).map((x) => (isMap(x) ? withLabelRefs(x, labels) : x));
  if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withLabelRefs(x, labels)]));
  return v;
}

/** The reason templating fails for this cluster, or undefined when it succeeds or does not run. */
export function templatingFailure(
  cluster: ClusterRecord,
  helm: HelmTemplating | undefined,
): string | undefined {
  const labels = templateLabels(cluster.labels);
  // No usable label, no Helm options, or nothing to template: Fleet returns before templating.
  if (Object.keys(labels).length === 0 || !helm) return undefined;
  const values = helm.values ?? {};
  if (!helm.templateValues && Object.keys(values).length === 0) return undefined;
  if (helm.disablePreProcess) return undefined;
  const context = {
    ClusterNamespace: cluster.namespace,
    ClusterName: cluster.name,
    ClusterLabels: labels,
    ClusterAnnotations: { ...(cluster.annotations ?? {}) },
    ClusterValues: cluster.templateValues ?? {},
  };
  const step = (src: string, top: boolean): string | undefined => {
    let text: string;
    try {
      text = renderGoTemplate(src, context);
    } catch (e) {
      if (!(e instanceof GoTemplateError)) throw e;
      return `failed to ${e.phase === 'parse' ? 'parse' : 'render'} helm values template: ${e.message}`;
    }
    try {
      const back = fromGoYaml(text);
      if (top && back !== null && !isMap(back))
        return 'failed to interpret rendered template as helm values: not a map';
    } catch (e) {
      return `failed to interpret rendered template as helm values: ${(e as Error).message}`;
    }
    return undefined;
  };
  const doc = toGoYaml(withLabelRefs(values, labels));
  const failed = step(doc, true);
  if (failed) return failed;
  for (const src of Object.values(helm.templateValues ?? {})) {
    const f = step(String(src), false);
    if (f) return f;
  }
  return undefined;
}

const mayFailMemo = new WeakMap<BundleRecord, boolean>();

/**
 * Values without a `${` action read back as they were written, so only a Bundle with an action
 * somewhere in its Helm values, or with templateValues, can fail: the rest skip the per-cluster work.
 */
function mayFail(bundle: BundleRecord): boolean {
  let v = mayFailMemo.get(bundle);
  if (v === undefined) {
    const parts = [bundle.helmTemplating, ...bundle.targets.map(helmOf)];
    v = parts.some((h) => h?.templateValues || (h?.values && JSON.stringify(h.values).includes('${')));
    mayFailMemo.set(bundle, v);
  }
  return v;
}

/**
 * The Bundle's templating error over the clusters that get a deployment, naming the first
 * failing cluster in the order given (Fleet's order follows its cache and is not fixed).
 */
export function helmTemplatingError(
  bundle: BundleRecord,
  targeted: readonly { readonly cluster: ClusterRecord; readonly match: TargetMatch }[],
): { message: string; cluster: ClusterRecord } | undefined {
  if (!mayFail(bundle)) return undefined;
  for (const { cluster, match } of targeted) {
    const why = templatingFailure(cluster, clusterHelmTemplating(bundle, match));
    if (why)
      return {
        message: `targeting error: cluster ${cluster.name} in namespace ${cluster.namespace}: ${why}`,
        cluster,
      };
  }
  return undefined;
}
