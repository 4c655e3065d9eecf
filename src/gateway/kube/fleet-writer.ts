/**
 * The write commands' port (fleet/commands/port.ts FleetWriter), implemented over the Kubernetes
 * API with client-node: merge patches through KubeClient (the resourceVersion precondition and the
 * merge-patch content type, docs/libraries.md §1.3), creates, and deletes with preconditions
 * (`DeleteOptions.preconditions`: the API server answers 409 when uid or resourceVersion differ).
 * Declared structurally here: kube/ must not import fleet/.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import type { GitRepoSpec } from '../../apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, FLEET_API_VERSION, GITREPOS, type ResourceType } from '../../apis/gvr.js';
import type { KubeObject } from '../../apis/kube.js';
import { ErrorCode, FleetGraphError } from '../../shared/errors.js';
import { toKubeError, type KubeClient, type KubeRequestError } from './client.js';

export interface WrittenObject {
  readonly resourceVersion: string;
  readonly uid: string;
}

function written(o: KubeObject): WrittenObject {
  return { resourceVersion: o.metadata.resourceVersion ?? '', uid: o.metadata.uid ?? '' };
}

/** HTTP failures as the stable codes the commands turn into user errors. */
function writeError(type: ResourceType, key: string, verb: string, e: KubeRequestError): FleetGraphError {
  const details = { kind: type.kind, key, status: e.status };
  switch (e.status) {
    case 409:
      return new FleetGraphError(
        ErrorCode.CONFLICT,
        verb === 'create'
          ? `${type.kind} "${key}" already exists`
          : `${type.kind} "${key}" was changed by someone else`,
        details,
        e.message,
      );
    case 404:
      return new FleetGraphError(ErrorCode.NOT_FOUND, `${type.kind} "${key}" not found`, details, e.message);
    case 403:
      return new FleetGraphError(
        ErrorCode.FORBIDDEN,
        `not allowed to ${verb} ${type.kind} "${key}"`,
        details,
        e.message,
      );
    case 400:
    case 422:
      return new FleetGraphError(
        ErrorCode.INVALID_ARGUMENT,
        `${type.kind} "${key}" was rejected as invalid by the Kubernetes API`,
        details,
        e.message,
      );
    default:
      return new FleetGraphError(
        ErrorCode.UNAVAILABLE,
        `the Kubernetes API could not ${verb} ${type.kind} "${key}"; retry later`,
        details,
        e.message,
      );
  }
}

export class KubeFleetWriter {
  private readonly custom: CustomObjectsApi;

  /** Writes through `client`: as the caller when the client impersonates one (impersonation.ts). */
  constructor(private readonly client: KubeClient) {
    this.custom = client.custom;
  }

  async patchGitRepo(
    namespace: string,
    name: string,
    mergePatch: Record<string, unknown>,
    expectedResourceVersion?: string,
  ): Promise<WrittenObject> {
    const o = await this.client.mergePatch(GITREPOS, namespace, name, mergePatch, {
      resourceVersion: expectedResourceVersion,
    });
    return written(o);
  }

  async createGitRepo(
    namespace: string,
    name: string,
    spec: GitRepoSpec,
    meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
  ): Promise<WrittenObject> {
    const body = {
      apiVersion: FLEET_API_VERSION,
      kind: GITREPOS.kind,
      metadata: { name, namespace, ...meta },
      spec,
    };
    try {
      const o = (await this.custom.createNamespacedCustomObject({
        group: GITREPOS.group,
        version: GITREPOS.version,
        plural: GITREPOS.plural,
        namespace,
        body,
      })) as KubeObject;
      return written(o);
    } catch (err) {
      throw writeError(GITREPOS, `${namespace}/${name}`, 'create', toKubeError(err));
    }
  }

  deleteGitRepo(namespace: string, name: string, preconditions?: { uid?: string; resourceVersion?: string }) {
    return this.delete(GITREPOS, namespace, name, preconditions);
  }

  deleteBundleDeployment(
    namespace: string,
    name: string,
    preconditions: { uid?: string; resourceVersion?: string },
  ) {
    return this.delete(BUNDLE_DEPLOYMENTS, namespace, name, preconditions);
  }

  private async delete(
    type: ResourceType,
    namespace: string,
    name: string,
    preconditions?: { uid?: string | undefined; resourceVersion?: string | undefined },
  ): Promise<void> {
    const pre = Object.fromEntries(Object.entries(preconditions ?? {}).filter(([, v]) => v));
    try {
      await this.custom.deleteNamespacedCustomObject({
        group: type.group,
        version: type.version,
        plural: type.plural,
        namespace,
        name,
        body: Object.keys(pre).length > 0 ? { preconditions: pre } : {},
      });
    } catch (err) {
      throw writeError(type, `${namespace}/${name}`, 'delete', toKubeError(err));
    }
  }
}
