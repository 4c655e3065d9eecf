/**
 * Authorization of reads: what a caller may see is what Kubernetes says they may `list`, asked
 * with SubjectAccessReview (authorization.k8s.io/v1) per identity, namespace and resource. SAR
 * honours every authorizer the API server runs (RBAC, webhooks, Node), unlike RBAC evaluated
 * locally; SelfSubjectRulesReview is documented as unfit to drive authorization (and may be
 * incomplete), so it is not used.
 *
 * Answers are cached per (identity, question) for a short time, so a revoked RoleBinding stops
 * reads and live events within that time. A review that fails denies (fail closed) and is not
 * cached. The gateway's own identity needs `create` on subjectaccessreviews
 * (ClusterRole system:auth-delegator).
 */
import { AuthorizationV1Api, type KubeConfig, type V1SubjectAccessReview } from '@kubernetes/client-node';
import { WATCHED_FLEET_TYPES, type ResourceType } from '../../apis/gvr.js';
import type { Logger } from '../../shared/logger.js';
import { toKubeError } from '../kube/client.js';
import { TtlCache } from './cache.js';
import { identityKey, type UserIdentity } from './identity.js';

/** One question, as a SubjectAccessReview's resource attributes. */
export interface AccessQuestion {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  /** `''` or absent: every namespace. */
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  readonly subresource?: string | undefined;
}

export interface AccessReviewerOptions {
  readonly cacheMs: number;
  readonly maxEntries?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly logger?: Logger | undefined;
}

export class AccessReviewer {
  private readonly api: AuthorizationV1Api;
  private readonly cache: TtlCache<boolean>;
  /** SubjectAccessReviews actually sent. */
  reviews = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly opts: AccessReviewerOptions,
  ) {
    this.api = kubeConfig.makeApiClient(AuthorizationV1Api);
    this.cache = new TtlCache({ ttlMs: opts.cacheMs, maxEntries: opts.maxEntries ?? 100_000, now: opts.now });
  }

  /** May `user` do this? Cached; false when the API server cannot answer. */
  async can(user: UserIdentity, q: AccessQuestion): Promise<boolean> {
    const key = JSON.stringify([
      identityKey(user),
      q.verb,
      q.group,
      q.resource,
      q.namespace ?? '',
      q.name ?? '',
      q.subresource ?? '',
    ]);
    try {
      return await this.cache.get(key, () => this.review(user, q));
    } catch (err) {
      this.opts.logger?.warn(
        { err: toKubeError(err).message, principal: user.name, question: q },
        'access review failed; denying',
      );
      return false;
    }
  }

  /** Forgets every answer (RBAC changed). */
  forget(): void {
    this.cache.clear();
  }

  private async review(user: UserIdentity, q: AccessQuestion): Promise<boolean> {
    this.reviews++;
    const body: V1SubjectAccessReview = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: user.name,
        uid: user.uid,
        groups: [...user.groups],
        extra: user.extra
          ? Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]]))
          : undefined,
        resourceAttributes: {
          verb: q.verb,
          group: q.group,
          resource: q.resource,
          namespace: q.namespace || undefined,
          name: q.name || undefined,
          subresource: q.subresource || undefined,
        },
      },
    };
    const review = await this.api.createSubjectAccessReview({ body });
    return review.status?.allowed === true && review.status.denied !== true;
  }
}

/** The Fleet resource behind a record kind (`GitRepo` → fleet.cattle.io/gitrepos). */
export function resourceOfKind(kind: string): ResourceType | undefined {
  return WATCHED_FLEET_TYPES.find((t) => t.kind === kind);
}

/** A caller's read access over a set of (kind, namespace) pairs, decided once and read synchronously. */
export interface Visibility {
  allows(kind: string, namespace: string): boolean;
}

/**
 * What `user` may list, for the namespaces each kind occupies: one cluster-wide question per kind
 * first (an administrator costs a handful of reviews), then one per namespace for the kinds not
 * allowed everywhere. Pairs not asked about are denied.
 */
export async function visibilityOf(
  reviewer: AccessReviewer,
  user: UserIdentity,
  namespacesByKind: ReadonlyMap<string, Iterable<string>>,
): Promise<Visibility> {
  const everywhere = new Set<string>();
  const allowed = new Set<string>();
  await Promise.all(
    [...namespacesByKind].map(async ([kind, namespaces]) => {
      const type = resourceOfKind(kind);
      if (!type) return;
      const base = { verb: 'list', group: type.group, resource: type.plural };
      if (await reviewer.can(user, base)) {
        everywhere.add(kind);
        return;
      }
      await Promise.all(
        [...new Set(namespaces)].map(async (namespace) => {
          if (await reviewer.can(user, { ...base, namespace })) allowed.add(`${kind}\u0000${namespace}`);
        }),
      );
    }),
  );
  return {
    allows: (kind, namespace) =>
      kind === 'Namespace' || everywhere.has(kind) || allowed.has(`${kind}\u0000${namespace}`),
  };
}
