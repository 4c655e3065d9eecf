/**
 * The baselines: what a program using only @kubernetes/client-node does to answer the same
 * questions as the gateway, against the same API emulator, in the same process.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTERS, GITREPOS } from '../../src/apis/gvr.js';
import { LABEL_BUNDLE_NAME, LABEL_CLUSTER, LABEL_REPO_NAME } from '../../src/apis/labels.js';
import type { KubeObject } from '../../src/apis/kube.js';
import { WATCH_KINDS, WATCH_TYPES } from '../../src/gateway/kube/types.js';

interface List {
  metadata?: { continue?: string; _continue?: string };
  items: KubeObject[];
}

type Obj = KubeObject & {
  status?: { display?: { state?: string }; ready?: boolean } & Record<string, unknown>;
};

/** One row of the GitRepo status page, as both sides produce it. */
export interface StatusRow {
  readonly key: string;
  readonly bundle: string | undefined;
  readonly cluster: string | undefined;
  readonly state: string | undefined;
}

const gv = (t: { group: string; version: string; plural: string }) => ({
  group: t.group,
  version: t.version,
  plural: t.plural,
});

/**
 * GitRepo → Bundles → BundleDeployments → Clusters, one page of `rows` BDs in key order: GET the
 * GitRepo, LIST its Bundles and BDs by the repo-name label and the workspace's Clusters (all four
 * at once, one unpaged request each, the cheapest a plain client can do), then join in memory.
 */
export async function listAndJoin(
  kc: KubeConfig,
  q: { workspace: string; gitRepo: string; rows: number },
): Promise<{ status: unknown; total: number; rows: StatusRow[] }> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const selector = `${LABEL_REPO_NAME}=${q.gitRepo}`;
  const [repo, bundles, bds, clusters] = (await Promise.all([
    api.getNamespacedCustomObject({ ...gv(GITREPOS), namespace: q.workspace, name: q.gitRepo }),
    api.listNamespacedCustomObject({ ...gv(BUNDLES), namespace: q.workspace, labelSelector: selector }),
    api.listClusterCustomObject({ ...gv(BUNDLE_DEPLOYMENTS), labelSelector: selector }),
    api.listNamespacedCustomObject({ ...gv(CLUSTERS), namespace: q.workspace }),
  ])) as [Obj, List, List, List];
  const bundleByName = new Map(bundles.items.map((b) => [b.metadata.name, b as Obj]));
  const clusterByName = new Map(clusters.items.map((c) => [c.metadata.name, c as Obj]));
  const keyed = (bds.items as Obj[]).map((bd) => ({
    key: `${bd.metadata.namespace}/${bd.metadata.name}`,
    bd,
  }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rows = keyed.slice(0, q.rows).map(({ key, bd }) => {
    const labels = bd.metadata.labels ?? {};
    const bundle = bundleByName.get(labels[LABEL_BUNDLE_NAME] ?? bd.metadata.name);
    const cluster = clusterByName.get(labels[LABEL_CLUSTER]);
    return {
      key,
      bundle: bundle?.metadata.name,
      cluster: cluster?.metadata.name,
      state: bd.status?.display?.state,
    };
  });
  return { status: repo.status, total: keyed.length, rows };
}

/**
 * A bare paged LIST of every kind the gateway watches, kinds in parallel and pages in sequence
 * (as the gateway's reflectors list), `pageSize` objects a page. Returns the object count.
 */
export async function pagedListAll(kc: KubeConfig, pageSize: number): Promise<number> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const counts = await Promise.all(
    WATCH_KINDS.map(async (kind) => {
      const type = WATCH_TYPES[kind];
      let n = 0;
      let cont: string | undefined;
      do {
        const page = (
          type.group === ''
            ? await core.listNamespace({ limit: pageSize, _continue: cont })
            : await custom.listClusterCustomObject({ ...gv(type), limit: pageSize, _continue: cont })
        ) as List;
        n += page.items.length;
        cont = page.metadata?.continue || page.metadata?._continue || undefined;
      } while (cont);
      return n;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}
