/**
 * The review kinds, answered on create and never stored: TokenReview and SelfSubjectReview
 * (authentication.k8s.io/v1); SubjectAccessReview, LocalSubjectAccessReview,
 * SelfSubjectAccessReview and SelfSubjectRulesReview (authorization.k8s.io/v1). Field names and
 * omitted-when-empty fields follow the v1 Go types, so clients decode them as from a real server.
 */
import { badRequest, invalid, type Cause } from '../errors.js';
import type { Resource } from '../registry.js';
import { isObject, type JsonObject } from '../types.js';
import type { Attributes } from './attributes.js';
import type { Decision, RbacAuthorizer } from './rbac.js';
import { aggregate } from './rbac.js';
import type { TokenAuthenticator, UserInfo } from './tokens.js';

export interface ReviewContext {
  /** The identity the request acts as (after impersonation). */
  user: UserInfo;
  namespace: string | undefined;
  tokens: TokenAuthenticator;
  rbac: RbacAuthorizer;
  authorize(a: Attributes): Decision;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

/** user.Info as the v1 UserInfo type serializes it (empty fields left out). */
export function userInfoJson(u: UserInfo): JsonObject {
  const out: JsonObject = {};
  if (u.username) out.username = u.username;
  if (u.uid) out.uid = u.uid;
  if (u.groups.length > 0) out.groups = [...u.groups];
  if (Object.keys(u.extra).length > 0) out.extra = u.extra;
  return out;
}

function reply(r: Resource, spec: unknown, status: JsonObject, namespace?: string): JsonObject {
  return {
    kind: r.kind,
    apiVersion: `${r.group}/${r.version}`,
    metadata: { ...(namespace ? { namespace } : {}), creationTimestamp: null },
    ...(spec !== undefined ? { spec } : {}),
    status,
  };
}

function specOf(body: unknown): JsonObject {
  return isObject(body) && isObject(body.spec) ? body.spec : {};
}

function tokenReview(r: Resource, body: unknown, ctx: ReviewContext): JsonObject {
  const spec = specOf(body);
  const token = str(spec.token);
  if (token === '') throw badRequest('token is required for TokenReview in authentication');
  const res = ctx.tokens.authenticate(token, strs(spec.audiences));
  if (!res.ok) return reply(r, spec, { user: {}, error: res.error });
  return reply(r, spec, {
    authenticated: true,
    user: userInfoJson(res.user),
    ...(res.audiences.length > 0 ? { audiences: res.audiences } : {}),
  });
}

interface AccessSpec {
  resourceAttributes: JsonObject | undefined;
  nonResourceAttributes: JsonObject | undefined;
}

function accessCauses(s: AccessSpec): Cause[] {
  if (s.resourceAttributes && s.nonResourceAttributes)
    return [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.nonResourceAttributes',
        message: 'Invalid value: "object": cannot be specified in combination with resourceAttributes',
      },
    ];
  if (!s.resourceAttributes && !s.nonResourceAttributes)
    return [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.resourceAttributes',
        message:
          'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      },
    ];
  return [];
}

function attributesOf(user: UserInfo, s: AccessSpec): Attributes {
  const ra = s.resourceAttributes;
  if (ra)
    return {
      user,
      verb: str(ra.verb),
      resourceRequest: true,
      path: '',
      namespace: str(ra.namespace),
      apiGroup: str(ra.group),
      apiVersion: str(ra.version),
      resource: str(ra.resource),
      subresource: str(ra.subresource),
      name: str(ra.name),
    };
  const na = s.nonResourceAttributes ?? {};
  return {
    user,
    verb: str(na.verb),
    resourceRequest: false,
    path: str(na.path),
    namespace: '',
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    name: '',
  };
}

function accessStatus(d: Decision): JsonObject {
  return { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) };
}

function access(spec: JsonObject): AccessSpec {
  return {
    resourceAttributes: isObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined,
    nonResourceAttributes: isObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined,
  };
}

function subjectAccessReview(r: Resource, body: unknown, ctx: ReviewContext): JsonObject {
  const spec = specOf(body);
  const a = access(spec);
  const causes = accessCauses(a);
  const user = str(spec.user);
  const groups = strs(spec.groups);
  if (user === '' && groups.length === 0)
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.user',
      message: 'Invalid value: "": at least one of user or group must be specified',
    });
  const local = r.kind === 'LocalSubjectAccessReview';
  if (local) {
    if (a.nonResourceAttributes)
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.nonResourceAttributes',
        message: 'Invalid value: "object": disallowed on this kind of request',
      });
    if (a.resourceAttributes && str(a.resourceAttributes.namespace) !== (ctx.namespace ?? ''))
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.resourceAttributes.namespace',
        message: `Invalid value: ${JSON.stringify(str(a.resourceAttributes.namespace))}: must match metadata.namespace`,
      });
  }
  if (causes.length > 0) throw invalid({ group: r.group, resource: r.plural, kind: r.kind }, '', causes);
  const extra: Record<string, string[]> = {};
  if (isObject(spec.extra)) for (const [k, v] of Object.entries(spec.extra)) extra[k] = strs(v);
  const subject: UserInfo = { username: user, uid: str(spec.uid), groups, extra };
  return reply(
    r,
    spec,
    accessStatus(ctx.authorize(attributesOf(subject, a))),
    local ? ctx.namespace : undefined,
  );
}

function selfSubjectAccessReview(r: Resource, body: unknown, ctx: ReviewContext): JsonObject {
  const spec = specOf(body);
  const a = access(spec);
  const causes = accessCauses(a);
  if (causes.length > 0) throw invalid({ group: r.group, resource: r.plural, kind: r.kind }, '', causes);
  return reply(r, spec, accessStatus(ctx.authorize(attributesOf(ctx.user, a))));
}

function selfSubjectRulesReview(r: Resource, body: unknown, ctx: ReviewContext): JsonObject {
  const spec = specOf(body);
  const { rules, errors } = ctx.rbac.rulesFor(ctx.user, str(spec.namespace));
  const resourceRules = rules
    .filter((x) => (x.resources ?? []).length > 0)
    .map((x) => ({
      verbs: x.verbs,
      ...((x.apiGroups ?? []).length > 0 ? { apiGroups: x.apiGroups } : {}),
      resources: x.resources,
      ...((x.resourceNames ?? []).length > 0 ? { resourceNames: x.resourceNames } : {}),
    }));
  const nonResourceRules = rules
    .filter((x) => (x.nonResourceURLs ?? []).length > 0)
    .map((x) => ({ verbs: x.verbs, nonResourceURLs: x.nonResourceURLs }));
  return reply(r, spec, {
    resourceRules,
    nonResourceRules,
    incomplete: errors.length > 0,
    ...(errors.length > 0 ? { evaluationError: aggregate(errors) } : {}),
  });
}

/** Answers one review create; the caller has already been allowed to create it. */
export function answerReview(r: Resource, body: unknown, ctx: ReviewContext): JsonObject {
  switch (r.kind) {
    case 'TokenReview':
      return tokenReview(r, body, ctx);
    case 'SelfSubjectReview':
      return reply(r, undefined, { userInfo: userInfoJson(ctx.user) });
    case 'SubjectAccessReview':
    case 'LocalSubjectAccessReview':
      return subjectAccessReview(r, body, ctx);
    case 'SelfSubjectAccessReview':
      return selfSubjectAccessReview(r, body, ctx);
    case 'SelfSubjectRulesReview':
      return selfSubjectRulesReview(r, body, ctx);
    default:
      throw badRequest(`${r.kind} cannot be created here`);
  }
}
