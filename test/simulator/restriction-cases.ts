/**
 * GitRepoRestriction cases both readings must judge alike (restrictions.go
 * `AuthorizeAndAssignDefaults`, v0.12.0–v0.14): each row names the Fleet rule it exercises, the
 * restrictions of the namespace, the GitRepo's fields, and Fleet's verdict — the `Accepted=False`
 * message, or the defaults the job would use.
 */
import type { GitRepoRestriction, GitRepoSpec } from '../../src/apis/fleet.js';

export interface RestrictionCase {
  readonly rule: string;
  readonly restrictions: readonly Omit<GitRepoRestriction, 'metadata'>[];
  readonly spec: Partial<GitRepoSpec>;
  readonly refused?: string;
  readonly serviceAccount?: string;
}

const REPO = 'https://git.example/team/app';

export const RESTRICTION_CASES: readonly RestrictionCase[] = [
  {
    rule: 'no GitRepoRestriction: accepted as it is',
    restrictions: [],
    spec: { serviceAccount: 'x' },
    serviceAccount: 'x',
  },
  {
    rule: 'allowedTargetNamespaces present and targetNamespace empty: refused',
    restrictions: [{ allowedTargetNamespaces: ['apps'] }],
    spec: {},
    refused: 'empty targetNamespace denied, because allowedTargetNamespaces restriction is present',
  },
  {
    rule: 'targetNamespace outside allowedTargetNamespaces: refused with the allowed set',
    restrictions: [{ allowedTargetNamespaces: ['apps', 'web'] }],
    spec: { targetNamespace: 'kube-system' },
    refused: 'disallowed targetNamespace kube-system: kube-system not in allowed set [apps web]',
  },
  {
    rule: 'targetNamespace in allowedTargetNamespaces: accepted',
    restrictions: [{ allowedTargetNamespaces: ['apps'] }],
    spec: { targetNamespace: 'apps' },
    serviceAccount: '',
  },
  {
    rule: 'defaultServiceAccount fills an empty serviceAccount (not checked against the allowed list)',
    restrictions: [{ defaultServiceAccount: 'deployer', allowedServiceAccounts: ['other'] }],
    spec: {},
    serviceAccount: 'deployer',
  },
  {
    rule: 'serviceAccount outside allowedServiceAccounts: refused',
    restrictions: [{ allowedServiceAccounts: ['deployer'] }],
    spec: { serviceAccount: 'admin' },
    refused: 'disallowed serviceAccount admin: admin not in allowed set [deployer]',
  },
  {
    rule: 'allowedRepoPatterns: an unanchored regular expression match accepts',
    restrictions: [{ allowedRepoPatterns: ['git\\.example/team/'] }],
    spec: { repo: REPO },
    serviceAccount: '',
  },
  {
    rule: 'allowedRepoPatterns: a verbatim entry accepts even when it is no valid regex',
    restrictions: [{ allowedRepoPatterns: ['https://git.example/team/app[', REPO] }],
    spec: { repo: 'https://git.example/team/app[' },
    serviceAccount: '',
  },
  {
    rule: 'allowedRepoPatterns: no pattern matches, refused',
    restrictions: [{ allowedRepoPatterns: ['^https://git\\.example/ops/'] }],
    spec: { repo: REPO },
    refused: `disallowed repo ${REPO}: ${REPO} not in allowed set [^https://git\\.example/ops/]`,
  },
  {
    rule: 'clientSecretName outside allowedClientSecretNames: refused',
    restrictions: [{ allowedClientSecretNames: ['git-auth'] }],
    spec: { clientSecretName: 'stolen' },
    refused: 'disallowed clientSecretName stolen: stolen not in allowed set [git-auth]',
  },
  {
    rule: 'defaultClientSecretName fills an empty clientSecretName',
    restrictions: [{ defaultClientSecretName: 'git-auth', allowedClientSecretNames: ['git-auth'] }],
    spec: {},
    serviceAccount: '',
  },
  {
    rule: 'several restrictions: allow-lists are concatenated (in name order)',
    restrictions: [{ allowedServiceAccounts: ['b'] }, { allowedServiceAccounts: ['a'] }],
    spec: { serviceAccount: 'z' },
    refused: 'disallowed serviceAccount z: z not in allowed set [b a]',
  },
  {
    rule: 'several restrictions: the first non-empty default by name wins',
    restrictions: [{ defaultServiceAccount: 'first' }, { defaultServiceAccount: 'second' }],
    spec: {},
    serviceAccount: 'first',
  },
  {
    rule: 'checks run in order (targetNamespace before serviceAccount): the first refusal is reported',
    restrictions: [{ allowedTargetNamespaces: ['apps'], allowedServiceAccounts: ['deployer'] }],
    spec: { targetNamespace: 'nope', serviceAccount: 'admin' },
    refused: 'disallowed targetNamespace nope: nope not in allowed set [apps]',
  },
];
