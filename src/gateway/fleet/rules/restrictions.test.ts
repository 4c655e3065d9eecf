import { describe, expect, it } from 'vitest';
import { RESTRICTION_CASES } from '../../../../test/simulator/restriction-cases.js';
import type { GitRepoRestriction } from '../../../apis/fleet.js';
import { ErrorCode } from '../../../shared/errors.js';
import type { GitRepoRestrictionRecord } from '../../store/records.js';
import { assertGitRepoAccepted, judgeGitRepo } from './restrictions.js';

function record(r: Omit<GitRepoRestriction, 'metadata'>, name: string): GitRepoRestrictionRecord {
  return {
    kind: 'GitRepoRestriction',
    key: `team/${name}`,
    namespace: 'team',
    name,
    uid: name,
    resourceVersion: '1',
    generation: 1,
    labels: {},
    creationTimestamp: '',
    defaultServiceAccount: r.defaultServiceAccount ?? '',
    allowedServiceAccounts: r.allowedServiceAccounts ?? [],
    allowedRepoPatterns: r.allowedRepoPatterns ?? [],
    defaultClientSecretName: r.defaultClientSecretName ?? '',
    allowedClientSecretNames: r.allowedClientSecretNames ?? [],
    allowedTargetNamespaces: r.allowedTargetNamespaces ?? [],
  };
}

// Rows name the Fleet rule (gitops/reconciler/restrictions.go AuthorizeAndAssignDefaults); the
// simulator's reading is tested with the same rows.
describe('GitRepoRestriction as the gateway judges it', () => {
  it.each(RESTRICTION_CASES.map((c) => [c.rule, c] as const))('%s', (_rule, c) => {
    // Rows list restrictions in name order; handed over reversed, so the rule must sort by name.
    const list = c.restrictions.map((r, i) => record(r, `r${String(i).padStart(2, '0')}`)).reverse();
    const v = judgeGitRepo(list, { repo: 'https://git.example/team/app', ...c.spec });
    if (c.refused !== undefined) expect(v).toMatchObject({ accepted: false, message: c.refused });
    else expect(v).toMatchObject({ accepted: true, serviceAccount: c.serviceAccount });
  });

  it('a refusal is a RESTRICTED error naming the restrictions, the GitRepo and Fleet message', () => {
    const snapshot = {
      list: () => [record({ allowedTargetNamespaces: ['apps'] }, 'only-apps')],
    } as never;
    expect(() => assertGitRepoAccepted(snapshot, 'team', 'app', { targetNamespace: 'web' })).toThrow(
      expect.objectContaining({
        code: ErrorCode.RESTRICTED,
        message:
          'GitRepoRestriction only-apps refuses GitRepo "team/app": disallowed targetNamespace web: web not in allowed set [apps] (Fleet sets Accepted=False and writes no Bundles for it)',
      }),
    );
    expect(() => assertGitRepoAccepted(snapshot, 'team', 'app', { targetNamespace: 'apps' })).not.toThrow();
  });
});
