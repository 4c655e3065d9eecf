/**
 * Authorization as kube-apiserver's `--authorization-mode=RBAC` does it, over the Role,
 * ClusterRole, RoleBinding and ClusterRoleBinding objects in the emulator's own store, read on
 * every decision so a changed binding counts from the next request. `system:masters` is allowed
 * everything first, as by the apiserver's privileged-group authorizer.
 */
import { objectKey, type KubeObject } from '../../../apis/kube.js';
import type { Engine } from '../engine.js';
import { isObject } from '../types.js';
import type { Attributes } from './attributes.js';
import { CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, ROLE_BINDINGS, ROLES, type PolicyRule } from './resources.js';
import { SYSTEM_MASTERS, type UserInfo } from './tokens.js';

export interface Decision {
  allowed: boolean;
  /** Why: the binding that allowed it, or the errors met while looking (RBAC: …). */
  reason: string;
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

interface RoleRef {
  kind: string;
  name: string;
}

const SA_PREFIX = 'system:serviceaccount:';

/** `system:serviceaccount:<ns>:<name>` → [ns, name] (apiserver serviceaccount.SplitUsername). */
export function splitServiceAccount(username: string): [string, string] | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const parts = username.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  return [parts[0]!, parts[1]!];
}

function appliesTo(user: UserInfo, subjects: Subject[], bindingNamespace: string): Subject | undefined {
  for (const s of subjects) {
    switch (s.kind) {
      case 'User':
        if (user.username === s.name) return s;
        break;
      case 'Group':
        if (user.groups.includes(s.name)) return s;
        break;
      case 'ServiceAccount': {
        // A subject without a namespace means the binding's own namespace.
        const ns = s.namespace || bindingNamespace;
        if (ns !== '' && user.username === `${SA_PREFIX}${ns}:${s.name}`) return s;
        break;
      }
    }
  }
  return undefined;
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount')
    return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

const has = (xs: string[] | undefined, x: string) => (xs ?? []).some((v) => v === '*' || v === x);

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    // `*/status` matches the status subresource of every resource.
    if (subresource !== '' && r === `*/${subresource}`) return true;
  }
  return false;
}

function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** rbac `RuleAllows`. */
export function ruleAllows(a: Omit<Attributes, 'user'>, rule: PolicyRule): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceMatches(rule, a.path);
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return (
    has(rule.apiGroups, a.apiGroup) &&
    resourceMatches(rule, combined, a.subresource) &&
    ((rule.resourceNames ?? []).length === 0 || rule.resourceNames!.includes(a.name))
  );
}

function rulesOf(o: KubeObject | undefined): PolicyRule[] {
  const rules = (o as { rules?: unknown } | undefined)?.rules;
  return Array.isArray(rules) ? (rules.filter(isObject) as unknown as PolicyRule[]) : [];
}

type Visitor = (source: string | undefined, rule: PolicyRule | undefined, err: string | undefined) => boolean;

export class RbacAuthorizer {
  constructor(private readonly engine: Engine) {}

  private items(r: typeof ROLES): Iterable<KubeObject> {
    return this.engine.storageOf(r).items.values();
  }

  /** The rules a role reference grants, or why they cannot be found. */
  roleRefRules(ref: RoleRef, namespace: string): PolicyRule[] | string {
    if (ref.kind === 'Role') {
      const role = this.engine.storageOf(ROLES).items.get(objectKey(namespace, ref.name));
      return role ? rulesOf(role) : `role.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`;
    }
    if (ref.kind === 'ClusterRole') {
      const role = this.engine.storageOf(CLUSTER_ROLES).items.get(objectKey(undefined, ref.name));
      return role
        ? rulesOf(role)
        : `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`;
    }
    return `unsupported role reference kind: ${JSON.stringify(ref.kind)}`;
  }

  /** rbac `VisitRulesFor`: cluster-wide bindings, then the namespace's; stops when visit says so. */
  private visit(user: UserInfo, namespace: string, visit: Visitor): void {
    const bindings: [KubeObject, string][] = [...this.items(CLUSTER_ROLE_BINDINGS)].map((b) => [b, '']);
    if (namespace !== '')
      for (const b of this.items(ROLE_BINDINGS))
        if (b.metadata.namespace === namespace) bindings.push([b, namespace]);
    for (const [b, ns] of bindings) {
      const o = b as KubeObject & { subjects?: unknown; roleRef?: unknown };
      const subjects = (Array.isArray(o.subjects) ? o.subjects.filter(isObject) : []) as unknown as Subject[];
      const subject = appliesTo(user, subjects, ns);
      if (!subject || !isObject(o.roleRef)) continue;
      const ref = o.roleRef as unknown as RoleRef;
      const rules = this.roleRefRules(ref, ns);
      if (typeof rules === 'string') {
        if (!visit(undefined, undefined, rules)) return;
        continue;
      }
      const source =
        ns === ''
          ? `ClusterRoleBinding ${JSON.stringify(b.metadata.name)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(subject, '')}`
          : `RoleBinding ${JSON.stringify(`${b.metadata.name}/${ns}`)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(subject, ns)}`;
      for (const rule of rules) if (!visit(source, rule, undefined)) return;
    }
  }

  authorize(a: Attributes): Decision {
    if (a.user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
    let allowedBy: string | undefined;
    const errors: string[] = [];
    this.visit(a.user, a.namespace, (source, rule, err) => {
      if (err !== undefined) errors.push(err);
      else if (rule && ruleAllows(a, rule)) {
        allowedBy = source;
        return false;
      }
      return true;
    });
    if (allowedBy !== undefined) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
    return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregate(errors)}` : '' };
  }

  /** Every rule that applies to the user in the namespace (cluster-wide ones included). */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visit(user, namespace, (_source, rule, err) => {
      if (err !== undefined) errors.push(err);
      else if (rule) rules.push(rule);
      return true;
    });
    return { rules, errors };
  }
}

/** apimachinery `utilerrors.NewAggregate(...).Error()`. */
export function aggregate(errors: string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
}
