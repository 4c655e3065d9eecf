/**
 * Authentication: a bearer token is whoever Kubernetes says it is. Each token is checked with a
 * TokenReview (authentication.k8s.io/v1) whose `spec.audiences` is pinned to the audiences this
 * gateway accepts, so a token minted for another service (or the API server itself) is refused
 * instead of being accepted and possibly replayed. Answers are cached by the token's SHA-256 for
 * a short time: a revoked token stops working within that time.
 *
 * The gateway's own identity needs `create` on tokenreviews (ClusterRole system:auth-delegator).
 */
import { AuthenticationV1Api, type KubeConfig, type V1TokenReview } from '@kubernetes/client-node';
import { ErrorCode, FleetGraphError } from '../../shared/errors.js';
import { toKubeError } from '../kube/client.js';
import { TtlCache } from './cache.js';
import { tokenDigest, type UserIdentity } from './identity.js';

export interface TokenReviewerOptions {
  /** Audiences a token must be valid for (empty: the API server's own audience). */
  readonly audiences: readonly string[];
  /** How long an answer is reused, in ms. */
  readonly cacheMs: number;
  readonly maxEntries?: number | undefined;
  readonly now?: (() => number) | undefined;
}

/** Why a token was refused, for the log (never the token). */
export type Authentication =
  | { readonly authenticated: true; readonly user: UserIdentity }
  | { readonly authenticated: false; readonly reason: string };

export class TokenReviewer {
  private readonly api: AuthenticationV1Api;
  private readonly cache: TtlCache<Authentication>;
  /** TokenReviews actually sent (for tests and the bench: cached answers send none). */
  reviews = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly opts: TokenReviewerOptions,
  ) {
    this.api = kubeConfig.makeApiClient(AuthenticationV1Api);
    this.cache = new TtlCache({ ttlMs: opts.cacheMs, maxEntries: opts.maxEntries ?? 10_000, now: opts.now });
  }

  /** Who the token belongs to. Throws UNAVAILABLE when the API server cannot answer. */
  authenticate(token: string): Promise<Authentication> {
    return this.cache.get(tokenDigest(token), () => this.review(token));
  }

  private async review(token: string): Promise<Authentication> {
    this.reviews++;
    const body: V1TokenReview = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token, ...(this.opts.audiences.length > 0 ? { audiences: [...this.opts.audiences] } : {}) },
    };
    let review: V1TokenReview;
    try {
      review = await this.api.createTokenReview({ body });
    } catch (err) {
      const e = toKubeError(err);
      throw new FleetGraphError(ErrorCode.UNAVAILABLE, `token review failed: ${e.message}`, {
        status: e.status,
      });
    }
    const status = review.status;
    const user = status?.user;
    if (!status?.authenticated || !user?.username)
      return { authenticated: false, reason: status?.error || 'token not authenticated' };
    // A review with audiences answers which of them the token is valid for; require an overlap.
    if (this.opts.audiences.length > 0) {
      const granted = status.audiences ?? [];
      if (!granted.some((a) => this.opts.audiences.includes(a)))
        return { authenticated: false, reason: 'token not valid for this audience' };
    }
    return {
      authenticated: true,
      user: {
        kind: 'user',
        name: user.username,
        uid: user.uid || undefined,
        groups: user.groups ?? [],
        extra: user.extra && Object.keys(user.extra).length > 0 ? user.extra : undefined,
      },
    };
  }
}
