/**
 * Writes a GitRepoRestriction would make pointless are refused with RESTRICTED before anything is
 * sent (docs/fleet/sources.md §9.1): Fleet would set `Accepted=False` and write no Bundles.
 */
import { describe, expect, it } from 'vitest';
import type { GitTarget } from '../../../apis/fleet.js';
import { ManualClock } from '../../../shared/clock.js';
import { ErrorCode } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/logger.js';
import { aGitRepo, snapshotOf } from '../../../../test/support/fleet-builders.js';
import type { GitRepoRestrictionRecord } from '../../store/records.js';
import { FleetCommands } from './commands.js';
import type { FleetWriter, StorePort } from './port.js';

const restriction: GitRepoRestrictionRecord = {
  kind: 'GitRepoRestriction',
  key: 'fleet-default/only-apps',
  namespace: 'fleet-default',
  name: 'only-apps',
  uid: 'u',
  resourceVersion: '1',
  generation: 1,
  labels: {},
  creationTimestamp: '',
  defaultServiceAccount: '',
  allowedServiceAccounts: [],
  allowedRepoPatterns: ['^https://git\\.example/ok/'],
  defaultClientSecretName: '',
  allowedClientSecretNames: [],
  allowedTargetNamespaces: [],
};
const targets: GitTarget[] = [{ name: 'all', clusterSelector: {} }];

function commandsOver(withRestriction: boolean) {
  const refused = { ...aGitRepo({ name: 'app', targets }), repo: 'https://git.example/other/app' };
  const fine = { ...aGitRepo({ name: 'fine', targets }), repo: 'https://git.example/ok/fine' };
  const snap = snapshotOf(withRestriction ? [refused, fine, restriction] : [refused, fine]);
  const written: string[] = [];
  const writer = {
    patchGitRepo: (_ns: string, name: string) => {
      written.push(`patch ${name}`);
      return Promise.resolve({ resourceVersion: '99', uid: 'x' });
    },
    createGitRepo: (_ns: string, name: string) => {
      written.push(`create ${name}`);
      return Promise.resolve({ resourceVersion: '99', uid: 'x' });
    },
  } as unknown as FleetWriter;
  const store: StorePort = {
    snapshot: () => snap,
    subscribe: () => () => undefined,
    waitForVersion: () => Promise.resolve(undefined),
    waitForDeletion: () => Promise.resolve(),
  };
  const commands = new FleetCommands({ writer, store, clock: new ManualClock(0), logger: silentLogger() });
  return { commands, written };
}

const codesOf = (r: { userErrors: readonly { code: string }[] }) => r.userErrors.map((e) => e.code);
const caller = { kind: 'anonymous' } as const;
const ref = (name: string) => ({ namespace: 'fleet-default', name });

describe('writes to GitRepos a GitRepoRestriction refuses', () => {
  it.each([
    [
      'AuthorizeAndAssignDefaults refuses the repo: a retarget (dry run too) is RESTRICTED',
      (c: FleetCommands) => c.retargetGitRepo(caller, { ...ref('app'), targets, dryRun: true }),
    ],
    [
      'AuthorizeAndAssignDefaults refuses the repo: a retarget is RESTRICTED and nothing is written',
      (c: FleetCommands) => c.retargetGitRepo(caller, { ...ref('app'), targets }),
    ],
    [
      'AuthorizeAndAssignDefaults judges the new GitRepo: a creation with a refused repo is RESTRICTED',
      (c: FleetCommands) =>
        c.createGitRepo(caller, { ...ref('new'), repo: 'https://git.example/other/new', targets }),
    ],
    [
      'AuthorizeAndAssignDefaults judges the GitRepo after the write: moving to a refused repo is RESTRICTED',
      (c: FleetCommands) =>
        c.updateGitRepo(caller, { ...ref('fine'), repo: 'https://git.example/other/fine' }),
    ],
  ])('%s', async (_rule, act) => {
    const { commands, written } = commandsOver(true);
    const r = await act(commands);
    commands.stop();
    expect(codesOf(r)).toEqual([ErrorCode.RESTRICTED]);
    expect(r.userErrors[0]?.message).toContain(
      'GitRepoRestriction only-apps refuses GitRepo "fleet-default/',
    );
    expect(r.userErrors[0]?.message).toContain('not in allowed set [^https://git\\.example/ok/]');
    expect(written).toEqual([]);
  });

  it('without the restriction the retarget passes; with it, moving a refused GitRepo to an allowed repo is sent', async () => {
    const free = commandsOver(false);
    const r = await free.commands.retargetGitRepo(caller, { ...ref('app'), targets, dryRun: true });
    free.commands.stop();
    expect(r.userErrors).toEqual([]);
    const held = commandsOver(true);
    const u = await held.commands.updateGitRepo(caller, {
      ...ref('app'),
      repo: 'https://git.example/ok/app',
    });
    held.commands.stop();
    // The write was sent (what the fake store answers afterwards does not matter here).
    expect(codesOf(u)).not.toContain(ErrorCode.RESTRICTED);
    expect(held.written).toEqual(['patch app']);
  });
});
