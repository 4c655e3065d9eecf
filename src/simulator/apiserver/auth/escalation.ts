/**
 * RBAC's escalation prevention, as the rbac registry of kube-apiserver enforces it on writes of
 * Roles, ClusterRoles and their bindings: whoever writes a role (without `escalate`) or binds one
 * (without `bind` on it) must already hold every permission it grants. Otherwise anyone allowed to
 * create RoleBindings could grant themselves cluster-admin.
 */
import { ApiError } from '../errors.js';
import type { Resource } from '../registry.js';
import { isObject } from '../types.js';
import type { RbacAuthorizer } from './rbac.js';
import { RBAC_GROUP, type PolicyRule } from './resources.js';
import { SYSTEM_MASTERS, type UserInfo } from './tokens.js';

const has = (xs: string[] | undefined, x: string) => (xs ?? []).includes(x);
const hasAll = (xs: string[] | undefined, ys: string[] | undefined) => (ys ?? []).every((y) => has(xs, y));

/** validation.Covers' breakdown: one rule per verb × group × resource × name (or verb × URL). */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs ?? []) {
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? []) {
        if ((rule.resourceNames ?? []).length === 0)
          out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
        else
          for (const name of rule.resourceNames!)
            out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
      }
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return out;
}

function resourcesCover(owner: string[] | undefined, wanted: string[] | undefined): boolean {
  if (has(owner, '*') || hasAll(owner, wanted)) return true;
  for (const path of wanted ?? []) {
    if (has(owner, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0 || !has(owner, `*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function urlsCover(owner: string[] | undefined, wanted: string[] | undefined): boolean {
  return (wanted ?? []).every((w) =>
    (owner ?? []).some((o) => o === w || (o.endsWith('*') && w.startsWith(o.replace(/\*+$/, '')))),
  );
}

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const names =
    (sub.resourceNames ?? []).length === 0
      ? (owner.resourceNames ?? []).length === 0
      : (owner.resourceNames ?? []).length === 0 || hasAll(owner.resourceNames, sub.resourceNames);
  return (
    (has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs)) &&
    (has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups)) &&
    resourcesCover(owner.resources, sub.resources) &&
    urlsCover(owner.nonResourceURLs, sub.nonResourceURLs) &&
    names
  );
}

/** rbacv1helpers.CompactString: `{APIGroups:["g"], Resources:["r"], Verbs:["get" "list"]}`. */
function compactString(r: PolicyRule): string {
  const q = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
  const parts: string[] = [];
  if ((r.apiGroups ?? []).length > 0) parts.push(`APIGroups:${q(r.apiGroups!)}`);
  if ((r.resources ?? []).length > 0) parts.push(`Resources:${q(r.resources!)}`);
  if ((r.nonResourceURLs ?? []).length > 0) parts.push(`NonResourceURLs:${q(r.nonResourceURLs!)}`);
  if ((r.resourceNames ?? []).length > 0) parts.push(`ResourceNames:${q(r.resourceNames!)}`);
  if (r.verbs.length > 0) parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** CompactRules: missing rights on one resource (and at most one name) share one line. */
function compact(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple =
      (r.apiGroups ?? []).length === 1 &&
      (r.resources ?? []).length === 1 &&
      (r.resourceNames ?? []).length <= 1 &&
      (r.nonResourceURLs ?? []).length === 0;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups, r.resources, r.resourceNames ?? []]);
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...r.verbs];
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}

function forbidden(r: Resource, name: string, message: string): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${r.plural}.${RBAC_GROUP} ${JSON.stringify(name)} is forbidden: ${message}`,
    reason: 'Forbidden',
    details: { name, group: RBAC_GROUP, kind: r.plural },
    code: 403,
  });
}

const rulesIn = (o: Record<string, unknown>): PolicyRule[] =>
  Array.isArray(o.rules) ? (o.rules.filter(isObject) as unknown as PolicyRule[]) : [];

/**
 * Refuses a write of a Role, ClusterRole, RoleBinding or ClusterRoleBinding that would grant the
 * writer more than they hold. `obj` is the object as it would be stored.
 */
export function confirmNoEscalation(
  rbac: RbacAuthorizer,
  user: UserInfo,
  r: Resource,
  namespace: string,
  obj: Record<string, unknown>,
): void {
  if (r.group !== RBAC_GROUP || user.groups.includes(SYSTEM_MASTERS)) return;
  const name = isObject(obj.metadata) && typeof obj.metadata.name === 'string' ? obj.metadata.name : '';
  const isBinding = r.kind === 'RoleBinding' || r.kind === 'ClusterRoleBinding';
  const ref = isObject(obj.roleRef) ? obj.roleRef : {};
  const refKind = typeof ref.kind === 'string' ? ref.kind : '';
  const refName = typeof ref.name === 'string' ? ref.name : '';
  const allowedBy = (verb: string, resource: string, objName: string) =>
    rbac.authorize({
      user,
      verb,
      resourceRequest: true,
      path: '',
      namespace,
      apiGroup: RBAC_GROUP,
      apiVersion: '*',
      resource,
      subresource: '',
      name: objName,
    }).allowed;
  let wanted: PolicyRule[];
  if (isBinding) {
    if (allowedBy('bind', refKind === 'Role' ? 'roles' : 'clusterroles', refName)) return;
    const rules = rbac.roleRefRules({ kind: refKind, name: refName }, namespace);
    if (typeof rules === 'string') throw forbidden(r, name, rules);
    wanted = rules;
  } else {
    if (allowedBy('escalate', r.plural, name)) return;
    wanted = rulesIn(obj);
  }
  const { rules: owned, errors } = rbac.rulesFor(user, namespace);
  const missing = wanted.flatMap(breakdown).filter((sub) => !owned.some((o) => ruleCovers(o, sub)));
  if (missing.length === 0) return;
  const lines = [...new Set(compact(missing).map(compactString))].sort();
  const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
  let msg = `user ${JSON.stringify(user.username)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (errors.length > 0) msg += `; resolution errors: [${errors.join(' ')}]`;
  throw forbidden(r, name, msg);
}
