/* eslint-disable @typescript-eslint/no-unsafe-return --
   GraphQL responses are JSON read field by field. */
/**
 * The other GitRepo mutations, with the same rules as a retarget (validation, dry run, precondition,
 * read-your-writes): createGitRepo, updateGitRepo, setGitRepoPaused, forceSyncGitRepo (whose
 * `forceSyncPending` clears once Fleet acted on it) and deleteGitRepo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployed, readBack, startEnv, WS, type Env } from './support.js';

let env: Env;

const REPO = `gitRepo { name resourceVersion repo branch revision paths paused forceSyncGeneration forceSyncPending targets { name } }`;

async function mutate(field: string, type: string, input: Record<string, unknown>, extra = '') {
  const d = await env.gql(
    `mutation($input: ${type}!) { ${field}(input: $input) { dryRun userErrors { code field message } ${REPO} ${extra} } }`,
    { input: { namespace: WS, ...input } },
  );
  return d[field];
}

beforeAll(async () => {
  env = await startEnv({ cleanup: 'prompt' });
  for (const [name, e] of [
    ['eu-1', 'prod'],
    ['us-1', 'dev'],
  ] as const)
    await env.objects.create('clusters', WS, { metadata: { name, labels: { env: e } }, spec: {} });
});

afterAll(async () => {
  await env?.stop();
});

describe('GitRepo mutations', () => {
  const targets = [{ name: 'prod', clusterSelector: { matchLabels: [{ key: 'env', value: 'prod' }] } }];

  it('createGitRepo validates, plans on a dry run, and returns the created GitRepo', async () => {
    const bad = await mutate('createGitRepo', 'CreateGitRepoInput', {
      name: 'Bad_Name',
      repo: '',
      targets: [],
    });
    expect(bad.userErrors.map((e: { code: string; field: string }) => [e.code, e.field])).toEqual([
      ['INVALID_ARGUMENT', 'name'],
      ['INVALID_ARGUMENT', 'repo'],
      ['INVALID_TARGET', 'targets'],
    ]);
    const dry = await mutate(
      'createGitRepo',
      'CreateGitRepoInput',
      { name: 'web', repo: 'https://example.com/web', paths: ['a'], targets, dryRun: true },
      'plan { addedClusters { name } }',
    );
    expect(dry.userErrors).toEqual([]);
    expect(dry.plan.addedClusters).toEqual([{ name: 'eu-1' }]);
    expect(dry.gitRepo).toBeNull();
    await expect(readBack(env, 'web')).rejects.toThrow();
    const created = await mutate('createGitRepo', 'CreateGitRepoInput', {
      name: 'web',
      repo: 'https://example.com/web',
      paths: ['a'],
      targets,
    });
    expect(created.userErrors).toEqual([]);
    expect(created.gitRepo).toMatchObject({ name: 'web', paths: ['a'], targets: [{ name: 'prod' }] });
    await env.settle(async () => deployed(env, 'web'), { 'web-a': ['eu-1'] });
    const again = await mutate('createGitRepo', 'CreateGitRepoInput', {
      name: 'web',
      repo: 'https://example.com/web',
      targets,
    });
    expect(again.userErrors).toEqual([expect.objectContaining({ code: 'CONFLICT', field: 'name' })]);
  });

  it('updateGitRepo changes the source fields, read back at once', async () => {
    const r = await mutate('updateGitRepo', 'UpdateGitRepoInput', {
      name: 'web',
      branch: 'release',
      paths: ['a', 'b'],
    });
    expect(r.userErrors).toEqual([]);
    expect(r.gitRepo).toMatchObject({ branch: 'release', paths: ['a', 'b'] });
    const o = await readBack(env, 'web');
    expect(o.spec).toMatchObject({ branch: 'release', paths: ['a', 'b'] });
    const bad = await mutate('updateGitRepo', 'UpdateGitRepoInput', { name: 'web', paths: [' '] });
    expect(bad.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'paths[0]' }),
    ]);
  });

  it('setGitRepoPaused pauses (dry run writes nothing) and resumes', async () => {
    const dry = await mutate('setGitRepoPaused', 'SetGitRepoPausedInput', {
      name: 'web',
      paused: true,
      dryRun: true,
    });
    expect(dry).toMatchObject({ dryRun: true, userErrors: [] });
    expect((await readBack(env, 'web')).spec.paused ?? false).toBe(false);
    const on = await mutate('setGitRepoPaused', 'SetGitRepoPausedInput', { name: 'web', paused: true });
    expect(on.gitRepo.paused).toBe(true);
    expect((await readBack(env, 'web')).spec.paused).toBe(true);
    const off = await mutate('setGitRepoPaused', 'SetGitRepoPausedInput', { name: 'web', paused: false });
    expect(off.gitRepo.paused).toBe(false);
  });

  it('forceSyncGitRepo bumps forceSyncGeneration and tells when Fleet has acted on it', async () => {
    const r = await mutate('forceSyncGitRepo', 'ForceSyncGitRepoInput', { name: 'web' });
    expect(r.userErrors).toEqual([]);
    expect(r.gitRepo).toMatchObject({ forceSyncGeneration: 1, forceSyncPending: true });
    await env.settle(
      async () =>
        (
          await env.gql(
            `{ gitRepo(namespace: "${WS}", name: "web") { forceSyncPending status { updateGeneration } } }`,
          )
        ).gitRepo,
      { forceSyncPending: false, status: { updateGeneration: 1 } },
    );
  });

  it('deleteGitRepo refuses a stale version after a spec change, then deletes', async () => {
    const seen = (await env.gql(`{ gitRepo(namespace: "${WS}", name: "web") { resourceVersion } }`)).gitRepo
      .resourceVersion;
    await env.objects.patch('gitrepos', WS, 'web', { spec: { paths: ['b'] } });
    await expect
      .poll(
        async () => (await env.gql(`{ gitRepo(namespace: "${WS}", name: "web") { paths } }`)).gitRepo.paths,
      )
      .toEqual(['b']);
    const stale = await mutate(
      'deleteGitRepo',
      'DeleteGitRepoInput',
      { name: 'web', expectedResourceVersion: seen },
      'deleted',
    );
    expect(stale.deleted).toBe(false);
    expect(stale.userErrors).toEqual([expect.objectContaining({ code: 'CONFLICT' })]);
    expect(stale.userErrors[0].message).toContain('spec.paths changed');
    expect((await readBack(env, 'web')).metadata.deletionTimestamp).toBeUndefined();
    const gone = await mutate('deleteGitRepo', 'DeleteGitRepoInput', { name: 'web' }, 'deleted');
    expect(gone).toMatchObject({ deleted: true, userErrors: [] });
    await env.settle(
      async () => (await env.gql(`{ gitRepo(namespace: "${WS}", name: "web") { name } }`)).gitRepo,
      null,
    );
    const missing = await mutate('deleteGitRepo', 'DeleteGitRepoInput', { name: 'web' }, 'deleted');
    expect(missing.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
  });
});
