/**
 * Fleet's `options.Merge` (internal/cmd/controller/options/calculate.go, as in v0.16 and the
 * current release; docs/fleet/targeting.md §4.5): how a target customization's options land on
 * top of the options below it. Field by field, not a generic deep merge:
 *
 * - strings (`defaultNamespace`, `namespace`, `serviceAccount`, `helm.repo|chart|version|releaseName`,
 *   `kustomize.dir`) replace only when non-empty; `"-"` is copied as is (Fleet's branch meant to
 *   clear the field is never reached);
 * - `helm.timeoutSeconds` and `forceSyncGeneration` replace when > 0; a negative timeout resets to 0;
 * - booleans (`keepResources`, `helm.force|atomic|takeOwnership|disablePreProcess|waitForJobs|disableDNS`)
 *   are ORed: a customization can turn one on, never off;
 * - `helm.values` are deep-merged (maps recursively, anything else replaced, null included);
 *   `helm.templateValues` keys are copied over;
 * - `yaml.overlays` are appended; `helm.valuesFrom`, `diff.comparePatches` and
 *   `downstreamResources` are appended with entries of the same identity replaced (v0.16; up to
 *   v0.15 the first two were plainly appended and the last was not merged);
 * - `correctDrift` is replaced as a whole when the customization sets it;
 * - everything else (`namespaceLabels`, `namespaceAnnotations`, `deleteNamespace`,
 *   `deleteCRDResources`, `ignore`, `helm.valuesFiles|maxHistory|skipSchemaValidation|…`) is never
 *   taken from the customization: the base keeps its own.
 */
import type { Bundle, BundleDeploymentOptions } from '../../apis/fleet.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function copy<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

/** wrangler's data.MergeMaps: overlay wins, except where both sides hold a map. */
function mergeMaps(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    out[k] = isObj(cur) && isObj(v) ? mergeMaps(cur, v) : v;
  }
  return out;
}

/** merge.ByKey: same-key custom entries replace base ones; keyless ones are always appended. */
function byKey(base: unknown, custom: unknown, key: (x: Obj) => string): unknown[] | undefined {
  const b = Array.isArray(base) ? (base as Obj[]) : [];
  const c = Array.isArray(custom) ? (custom as Obj[]) : [];
  if (c.length === 0) return Array.isArray(base) ? b : undefined;
  const index = new Map<string, number>();
  b.forEach((x, i) => {
    const k = key(x);
    if (k) index.set(k, i);
  });
  const out = [...b];
  const seen = new Set<string>();
  for (const x of c) {
    const k = key(x);
    if (k) {
      if (seen.has(k)) continue;
      seen.add(k);
      const at = index.get(k);
      if (at !== undefined) {
        out[at] = x;
        continue;
      }
    }
    out.push(x);
  }
  return out;
}

const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const n = (v: unknown): number => (typeof v === 'number' ? v : 0);

function valuesFromKey(v: Obj): string {
  const cm = isObj(v.configMapKeyRef) ? v.configMapKeyRef : undefined;
  if (cm) return `configmap|${s(cm.namespace)}|${s(cm.name)}|${s(cm.key)}`;
  const sec = isObj(v.secretKeyRef) ? v.secretKeyRef : undefined;
  if (sec) return `secret|${s(sec.namespace)}|${s(sec.name)}|${s(sec.key)}`;
  return '';
}

const comparePatchKey = (p: Obj) => `${s(p.apiVersion)}|${s(p.kind)}|${s(p.namespace)}|${s(p.name)}`;
const downstreamKey = (r: Obj) => `${s(r.kind).toLowerCase()}|${s(r.name)}`;

function setIf(o: Obj, k: string, v: unknown): void {
  if (v === undefined) delete o[k];
  else o[k] = v;
}

function orFlag(o: Obj, c: Obj, k: string): void {
  if (o[k] === true || c[k] === true) o[k] = true;
}

function mergeHelm(base: Obj | undefined, custom: Obj): Obj {
  const h: Obj = copy(base) ?? {};
  const timeout = n(custom.timeoutSeconds);
  if (timeout > 0) h.timeoutSeconds = timeout;
  else if (timeout < 0) h.timeoutSeconds = 0;
  if (!isObj(h.values)) setIf(h, 'values', copy(custom.values ?? undefined));
  else if (isObj(custom.values)) h.values = mergeMaps(h.values, custom.values);
  if (!isObj(h.templateValues)) setIf(h, 'templateValues', copy(custom.templateValues ?? undefined));
  else if (isObj(custom.templateValues)) h.templateValues = { ...h.templateValues, ...custom.templateValues };
  setIf(h, 'valuesFrom', byKey(h.valuesFrom, copy(custom.valuesFrom), valuesFromKey));
  for (const k of ['repo', 'chart', 'version', 'releaseName']) if (s(custom[k]) !== '') h[k] = custom[k];
  for (const k of ['force', 'atomic', 'takeOwnership', 'disablePreProcess', 'waitForJobs', 'disableDNS'])
    orFlag(h, custom, k);
  return h;
}

/** options.Merge(base, custom): a new object; neither argument is changed. */
export function mergeOptions(
  base: BundleDeploymentOptions,
  custom: BundleDeploymentOptions,
): BundleDeploymentOptions {
  const out = copy(base) as Obj;
  const c = custom as Obj;
  for (const k of ['defaultNamespace', 'namespace', 'serviceAccount']) if (s(c[k]) !== '') out[k] = c[k];
  if (isObj(c.helm)) out.helm = mergeHelm(isObj(out.helm) ? out.helm : undefined, c.helm);
  if (isObj(c.kustomize)) {
    const k: Obj = isObj(out.kustomize) ? out.kustomize : {};
    if (s(c.kustomize.dir) !== '') k.dir = c.kustomize.dir;
    out.kustomize = k;
  }
  if (isObj(c.diff)) {
    const d: Obj = isObj(out.diff) ? out.diff : {};
    setIf(d, 'comparePatches', byKey(d.comparePatches, copy(c.diff.comparePatches), comparePatchKey));
    out.diff = d;
  }
  if (isObj(c.yaml)) {
    const y: Obj = isObj(out.yaml) ? out.yaml : {};
    const overlays = [
      ...(Array.isArray(y.overlays) ? (y.overlays as unknown[]) : []),
      ...(Array.isArray(c.yaml.overlays) ? (c.yaml.overlays as unknown[]) : []),
    ];
    setIf(y, 'overlays', overlays.length > 0 ? overlays : undefined);
    out.yaml = y;
  }
  if (n(c.forceSyncGeneration) > 0) out.forceSyncGeneration = c.forceSyncGeneration;
  orFlag(out, c, 'keepResources');
  if (isObj(c.correctDrift)) out.correctDrift = copy(c.correctDrift);
  if (Array.isArray(c.downstreamResources) && c.downstreamResources.length > 0)
    out.downstreamResources = byKey(out.downstreamResources, copy(c.downstreamResources), downstreamKey);
  return out;
}

/**
 * `Target.BundleDeployment` (target/target.go, v0.11+): after the merge, the `namespaceLabels`
 * and `namespaceAnnotations` of every target of the Bundle — matching this cluster or not, and
 * whether a customization or a deployment target — are added to the BD's options and staged
 * options, over the bundle-level ones. They are not part of the deployment ID (computed before).
 */
export function withTargetNamespaceMetadata(
  bundle: Bundle,
  options: BundleDeploymentOptions,
): BundleDeploymentOptions {
  const labels: Record<string, string> = { ...(options.namespaceLabels ?? {}) };
  const annotations: Record<string, string> = { ...(options.namespaceAnnotations ?? {}) };
  for (const t of bundle.spec?.targets ?? []) {
    Object.assign(labels, t.namespaceLabels ?? {});
    Object.assign(annotations, t.namespaceAnnotations ?? {});
  }
  const out: BundleDeploymentOptions = { ...options };
  // Go writes the (always initialised) maps with omitempty: empty ones vanish.
  delete out.namespaceLabels;
  delete out.namespaceAnnotations;
  if (Object.keys(labels).length > 0) out.namespaceLabels = labels;
  if (Object.keys(annotations).length > 0) out.namespaceAnnotations = annotations;
  return out;
}
