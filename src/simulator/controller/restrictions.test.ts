import { describe, expect, it } from 'vitest';
import type { GitRepo } from '../../apis/fleet.js';
import { RESTRICTION_CASES } from '../../../test/simulator/restriction-cases.js';
import { authorizeGitRepo } from './restrictions.js';

// Rows name the Fleet rule (gitops/reconciler/restrictions.go AuthorizeAndAssignDefaults).
describe('GitRepoRestriction in the simulated gitjob', () => {
  it.each(RESTRICTION_CASES.map((c) => [c.rule, c] as const))('%s', (_rule, c) => {
    const repo: GitRepo = {
      metadata: { name: 'app', namespace: 'team' },
      spec: { repo: 'https://git.example/team/app', ...c.spec },
    };
    // Rows list restrictions in name order; handed over reversed, so the fold must sort by name.
    const restrictions = c.restrictions
      .map((r, i) => ({ ...r, metadata: { name: `r${String(i).padStart(2, '0')}`, namespace: 'team' } }))
      .reverse();
    const v = authorizeGitRepo(repo, restrictions);
    if (c.refused !== undefined) expect(v).toEqual({ accepted: false, message: c.refused });
    else expect(v).toMatchObject({ accepted: true, serviceAccount: c.serviceAccount });
  });
});
