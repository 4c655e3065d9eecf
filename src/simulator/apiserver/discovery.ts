/**
 * Discovery documents: the legacy ones (`/api`, `/api/v1`, `/apis`, `/apis/<g>`, `/apis/<g>/<v>`)
 * and aggregated discovery (apidiscovery.k8s.io/v2 `APIGroupDiscoveryList`), which kubectl 1.34
 * asks for first on `/api` and `/apis`.
 */
import type { Registry, Resource } from './registry.js';

export const KUBE_VERSION = {
  major: '1',
  minor: '34',
  gitVersion: 'v1.34.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-08-27T00:00:00Z',
  goVersion: 'go1.24.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

function subresources(r: Resource): { name: string; verbs: string[] }[] {
  const out: { name: string; verbs: string[] }[] = [];
  if (r.statusSubresource) out.push({ name: 'status', verbs: ['get', 'patch', 'update'] });
  if (r.group === '' && r.plural === 'namespaces') out.push({ name: 'finalize', verbs: ['update'] });
  return out;
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function resourceList(registry: Registry, group: string, version: string): unknown {
  const resources: unknown[] = [];
  for (const r of registry.inGroupVersion(group, version)) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const s of subresources(r))
      resources.push({
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: s.verbs,
      });
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}

function groupOf(group: string, versions: string[]): unknown {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function groupList(registry: Registry): unknown {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .groups()
      .filter((g) => g.group !== '')
      .map((g) => groupOf(g.group, g.versions)),
  };
}

export function apiGroup(registry: Registry, group: string): unknown {
  const g = registry.groups().find((x) => x.group === group);
  if (!g) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...(groupOf(g.group, g.versions) as object) };
}

/** `/api` (core only) or `/apis` (every named group) as an aggregated discovery document. */
export function aggregated(registry: Registry, core: boolean): unknown {
  const items = registry
    .groups()
    .filter((g) => (g.group === '') === core)
    .map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        freshness: 'Current',
        resources: registry.inGroupVersion(g.group, v).map((r) => ({
          resource: r.plural,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: r.verbs,
          ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
          ...(r.categories.length ? { categories: r.categories } : {}),
          ...(subresources(r).length
            ? {
                subresources: subresources(r).map((s) => ({
                  subresource: s.name,
                  responseKind: { group: r.group, version: r.version, kind: r.kind },
                  verbs: s.verbs,
                })),
              }
            : {}),
        })),
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}
