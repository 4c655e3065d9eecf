/**
 * access/: who the caller is and what they may see and do. Tokens are checked with TokenReview,
 * reads are bounded by what SubjectAccessReview says the caller may list, and writes go out
 * through clients that impersonate the caller, so Kubernetes RBAC decides them and its audit
 * names the caller. The gateway's own identity needs only: read Fleet's objects, `impersonate`
 * users/groups/uids/userextras, and `create` tokenreviews and subjectaccessreviews
 * (system:auth-delegator).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { GITREPOS } from '../../apis/gvr.js';
import type { Logger } from '../../shared/logger.js';
import { KubeClient } from '../kube/client.js';
import { KubeFleetWriter } from '../kube/fleet-writer.js';
import {
  AccessReviewer,
  resourceOfKind,
  visibilityOf,
  type AccessQuestion,
  type Visibility,
} from './access-review.js';
import type { UserIdentity } from './identity.js';
import { TokenReviewer, type Authentication } from './token-review.js';

export { AccessReviewer, resourceOfKind, visibilityOf } from './access-review.js';
export type { AccessQuestion, Visibility } from './access-review.js';
export { TtlCache } from './cache.js';
export { identityKey, tokenDigest } from './identity.js';
export type { UserIdentity } from './identity.js';
export { TokenReviewer } from './token-review.js';
export type { Authentication } from './token-review.js';

export interface AccessOptions {
  readonly kubeConfig: KubeConfig;
  /** Token audiences accepted (TokenReview spec.audiences); empty: the API server's own. */
  readonly audiences: readonly string[];
  readonly authCacheMs: number;
  readonly accessCacheMs: number;
  readonly logger: Logger;
  readonly now?: (() => number) | undefined;
}

/** The write commands' actions, as the Kubernetes verb each needs on the GitRepo. */
const WRITE_VERBS: Readonly<Record<string, string>> = {
  retarget: 'patch',
  cancelRetarget: 'patch',
  pause: 'patch',
  forceSync: 'patch',
  update: 'patch',
  create: 'create',
  delete: 'delete',
  // Prune deletes BundleDeployments, each authorized by the API server as the caller; reading the
  // GitRepo is what the gateway checks first (so an unseen GitRepo answers FORBIDDEN, not NOT_FOUND).
  prune: 'get',
};

export class GatewayAccess {
  readonly tokens: TokenReviewer;
  readonly reviews: AccessReviewer;

  constructor(private readonly opts: AccessOptions) {
    this.tokens = new TokenReviewer(opts.kubeConfig, {
      audiences: opts.audiences,
      cacheMs: opts.authCacheMs,
      now: opts.now,
    });
    this.reviews = new AccessReviewer(opts.kubeConfig, {
      cacheMs: opts.accessCacheMs,
      now: opts.now,
      logger: opts.logger,
    });
  }

  /** Who holds this token; no token is a refusal. Throws UNAVAILABLE when the API server cannot say. */
  authenticate(token: string | undefined): Promise<Authentication> {
    if (!token) return Promise.resolve({ authenticated: false, reason: 'no bearer token' });
    return this.tokens.authenticate(token);
  }

  can(user: UserIdentity, q: AccessQuestion): Promise<boolean> {
    return this.reviews.can(user, q);
  }

  /** May `user` list this Fleet kind in this namespace (everywhere, or there)? */
  async mayList(user: UserIdentity, kind: string, namespace: string): Promise<boolean> {
    if (kind === 'Namespace') return true;
    const type = resourceOfKind(kind);
    if (!type) return false;
    const q = { verb: 'list', group: type.group, resource: type.plural };
    return (await this.can(user, q)) || (await this.can(user, { ...q, namespace }));
  }

  /** What `user` may list, for the namespaces each kind occupies. */
  visibility(
    user: UserIdentity,
    namespacesByKind: ReadonlyMap<string, Iterable<string>>,
  ): Promise<Visibility> {
    return visibilityOf(this.reviews, user, namespacesByKind);
  }

  /**
   * The write commands' authorization point: a SubjectAccessReview for the verb the command needs
   * on the GitRepo, asked before anything else, so a refused caller learns nothing about whether
   * the object exists. The write itself is still authorized by the API server (impersonated).
   */
  async mayWrite(
    user: UserIdentity,
    action: string,
    namespace: string,
    name: string,
  ): Promise<boolean | string> {
    const verb = WRITE_VERBS[action] ?? 'patch';
    const allowed = await this.can(user, {
      verb,
      group: GITREPOS.group,
      resource: GITREPOS.plural,
      namespace,
      // A create names no existing object.
      name: action === 'create' ? undefined : name,
    });
    return allowed || `Kubernetes does not allow ${verb} on gitrepos in namespace "${namespace}"`;
  }

  /** A writer whose every request impersonates `user`. */
  writerFor(user: UserIdentity): KubeFleetWriter {
    return new KubeFleetWriter(
      new KubeClient(this.opts.kubeConfig, {
        user: user.name,
        uid: user.uid,
        groups: user.groups,
        extra: user.extra,
      }),
    );
  }
}
