/**
 * Fleet objects written to the API emulator through client-node, as Fleet's controllers would:
 * create, then set status through the status subresource (create ignores status there).
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';

const group = 'fleet.cattle.io';
const version = 'v1alpha1';
const WS = 'fleet-default';

export const clusterNs = (name: string) => `cluster-${WS}-${name}-0123456789ab`;

export class FleetWriter {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async namespace(name: string): Promise<void> {
    await this.core.createNamespace({
      body: { metadata: { name, labels: { 'fleet.cattle.io/managed': 'true' } } },
    });
  }

  async create(
    plural: string,
    namespace: string,
    body: { metadata: { name: string; labels?: Record<string, string> }; spec?: unknown; status?: unknown },
  ): Promise<void> {
    const { status, ...rest } = body;
    await this.custom.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      body: { apiVersion: `${group}/${version}`, kind: KINDS[plural], ...rest },
    });
    if (status !== undefined) await this.status(plural, namespace, body.metadata.name, status);
  }

  async status(plural: string, namespace: string, name: string, status: unknown): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus(
      { group, version, namespace, plural, name, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async patch(plural: string, namespace: string, name: string, body: unknown): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      { group, version, namespace, plural, name, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async delete(plural: string, namespace: string, name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ group, version, namespace, plural, name });
  }

  async cluster(name: string, labels: Record<string, string>): Promise<void> {
    await this.namespace(clusterNs(name));
    await this.create('clusters', WS, {
      metadata: { name, labels },
      spec: {},
      status: {
        namespace: clusterNs(name),
        agent: { lastSeen: '2026-01-01T00:00:00Z', namespace: 'cattle-fleet-system' },
      },
    });
  }

  /** A BundleDeployment with Fleet's linking labels and a status that derives to Ready. */
  async deployment(bundle: string, cluster: string, repo: string, ready = true): Promise<void> {
    const id = 's-abc:opts1';
    await this.create('bundledeployments', clusterNs(cluster), {
      metadata: {
        name: bundle,
        labels: {
          'fleet.cattle.io/bundle-name': bundle,
          'fleet.cattle.io/bundle-namespace': WS,
          'fleet.cattle.io/cluster': cluster,
          'fleet.cattle.io/cluster-namespace': WS,
          'fleet.cattle.io/repo-name': repo,
          'fleet.cattle.io/managed': 'true',
        },
      },
      spec: { deploymentID: id, stagedDeploymentID: id },
      status: {
        appliedDeploymentID: id,
        ready,
        nonModified: true,
        conditions: [
          { type: 'Deployed', status: 'True' },
          { type: 'Ready', status: ready ? 'True' : 'False' },
        ],
        display: { deployed: 'True', monitored: 'True', state: ready ? 'Ready' : 'NotReady' },
      },
    });
  }
}

const KINDS: Record<string, string> = {
  gitrepos: 'GitRepo',
  bundles: 'Bundle',
  bundledeployments: 'BundleDeployment',
  clusters: 'Cluster',
  clustergroups: 'ClusterGroup',
  helmops: 'HelmOp',
};
