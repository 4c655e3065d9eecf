/**
 * Kubernetes authentication and authorization for the emulator, in the order kube-apiserver's
 * handler chain applies them: bearer token → audit → impersonation → RBAC. The server calls
 * {@link Auth.admit} once per request before doing anything else.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../../apis/kube.js';
import type { Engine } from '../engine.js';
import { unauthorized } from '../errors.js';
import type { Resource } from '../registry.js';
import type { JsonObject } from '../types.js';
import { forbiddenError, requestInfo, type Attributes } from './attributes.js';
import { AuditLog, type AuditRecord } from './audit.js';
import { confirmNoEscalation } from './escalation.js';
import { impersonate } from './impersonation.js';
import { registerAuthProtobuf } from './protobuf.js';
import { RbacAuthorizer } from './rbac.js';
import { AUTH_RESOURCES, bootstrapPolicy, RBAC_GROUP } from './resources.js';
import { answerReview } from './reviews.js';
import { validateRbac } from './validation.js';
import {
  ADMIN_USER,
  ANONYMOUS_USER,
  bearerToken,
  DEFAULT_API_AUDIENCES,
  readTokenFile,
  SYSTEM_MASTERS,
  TokenAuthenticator,
  type TokenEntry,
  type UserInfo,
} from './tokens.js';

export { isReview } from './resources.js';
export { noteStatus } from './audit.js';
export type { TokenEntry, UserInfo } from './tokens.js';

export interface AuthOptions {
  /**
   * Accepted bearer tokens. A string is an admin token (`system:masters`), the first of them the
   * kubeconfig's; an entry is an ordinary user. Without any string a random admin token is made.
   */
  tokens?: (string | TokenEntry)[] | undefined;
  /** A kube-apiserver static token file (`token,user,uid,"groups"`), read at start. */
  tokenAuthFile?: string | undefined;
  /** The API server's audiences (`--api-audiences`); default `https://kubernetes.default.svc`. */
  apiAudiences?: string[] | undefined;
  /** Append audit.k8s.io/v1 Events (Metadata level) here, one JSON line each. */
  auditLogPath?: string | undefined;
}

registerAuthProtobuf();

/** Paths every client may read without credentials (system:public-info-viewer). */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export class Auth {
  readonly adminToken: string;
  readonly tokens: TokenAuthenticator;
  readonly rbac: RbacAuthorizer;
  private readonly audit: AuditLog | undefined;
  private readonly actingAs = new WeakMap<IncomingMessage, UserInfo>();

  constructor(engine: Engine, opts: AuthOptions) {
    const given = opts.tokens ?? [];
    const admins = given.filter((t): t is string => typeof t === 'string');
    if (admins.length === 0) admins.push(randomBytes(24).toString('hex'));
    this.adminToken = admins[0]!;
    const entries: TokenEntry[] = [
      ...(opts.tokenAuthFile ? readTokenFile(opts.tokenAuthFile) : []),
      ...given.filter((t): t is TokenEntry => typeof t !== 'string'),
      // Admin tokens last, so a token file can never demote the kubeconfig's token.
      ...admins.map((token) => ({ token, user: ADMIN_USER, uid: '', groups: [SYSTEM_MASTERS] })),
    ];
    this.tokens = new TokenAuthenticator(entries, opts.apiAudiences ?? DEFAULT_API_AUDIENCES);
    this.rbac = new RbacAuthorizer(engine);
    for (const r of AUTH_RESOURCES)
      if (r.group === RBAC_GROUP)
        engine.validators.set(r.storageKey, (obj, old) => validateRbac(r.kind, obj, old));
    this.audit = opts.auditLogPath ? new AuditLog(opts.auditLogPath) : undefined;
  }

  /** The kinds to serve: RBAC and the reviews. */
  static resources(): Resource[] {
    return AUTH_RESOURCES;
  }

  /** What every cluster starts with: the bootstrap ClusterRoles and ClusterRoleBindings. */
  static bootstrapObjects(): KubeObject[] {
    return bootstrapPolicy();
  }

  /**
   * Authenticates, impersonates and authorizes one request, and starts its audit record. Throws
   * the 401, 403 (or 500 for impersonation without a user) Status the request ends with.
   */
  admit(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const info = requestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    const record: AuditRecord = this.audit?.begin(req, res, info) ?? {};
    const isPublic =
      (req.method === 'GET' || req.method === 'HEAD') &&
      PUBLIC_PATHS.has(url.pathname.replace(/\/+$/, '') || '/');
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) {
      if (isPublic) {
        record.user = ANONYMOUS_USER;
        this.actingAs.set(req, ANONYMOUS_USER);
        return;
      }
      record.failedAuthentication = true;
      throw unauthorized();
    }
    const authn = this.tokens.authenticate(token);
    if (!authn.ok) {
      record.failedAuthentication = true;
      throw unauthorized();
    }
    record.user = authn.user;
    const authorize = (a: Attributes) => this.rbac.authorize(a);
    const impersonated = impersonate(req, authn.user, authorize);
    const user = impersonated ?? authn.user;
    if (impersonated) record.impersonatedUser = impersonated;
    this.actingAs.set(req, user);
    if (isPublic) return;
    const attrs: Attributes = { user, ...info };
    const decision = authorize(attrs);
    record.decision = decision;
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
  }

  /** The identity a request acts as, once admitted. */
  userOf(req: IncomingMessage): UserInfo {
    return this.actingAs.get(req) ?? ANONYMOUS_USER;
  }

  /** Answers a create of a review kind. */
  review(r: Resource, namespace: string | undefined, body: unknown, req: IncomingMessage): JsonObject {
    return answerReview(r, body, {
      user: this.userOf(req),
      namespace,
      tokens: this.tokens,
      rbac: this.rbac,
      authorize: (a) => this.rbac.authorize(a),
    });
  }

  /** Whether writes of this kind by this request must pass {@link guardWrite}. */
  guardsWrites(r: Resource, req: IncomingMessage): boolean {
    return r.group === 'rbac.authorization.k8s.io' && !this.userOf(req).groups.includes('system:masters');
  }

  /** Refuses an RBAC write that would grant more than the writer holds (escalation prevention). */
  guardWrite(r: Resource, namespace: string | undefined, obj: unknown, req: IncomingMessage): void {
    if (!this.guardsWrites(r, req) || typeof obj !== 'object' || obj === null) return;
    confirmNoEscalation(this.rbac, this.userOf(req), r, namespace ?? '', obj as Record<string, unknown>);
  }

  async close(): Promise<void> {
    await this.audit?.close();
  }
}
