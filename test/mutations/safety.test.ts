/* eslint-disable @typescript-eslint/no-unsafe-return --
   GraphQL responses are JSON read field by field. */
/**
 * What retargetGitRepo refuses, and that a refusal writes nothing (read back from the API server):
 * a concurrent spec edit (CONFLICT), invalid selectors and names, an unknown GitRepo, an empty
 * target list, impossible strategy values (INVALID_TARGET / INVALID_ARGUMENT / NOT_FOUND with field
 * paths), a caller the authorization policy denies (FORBIDDEN). A status-only change since the
 * caller's read is not a conflict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBack, startEnv, WS, type Env } from './support.js';

let env: Env;

const RETARGET = `
  mutation($input: RetargetGitRepoInput!) {
    retargetGitRepo(input: $input) {
      userErrors { code field message currentResourceVersion }
      gitRepo { resourceVersion targets { name } }
      plan { addedClusters { name } removedClusters { name } warnings }
      operation { id }
    }
  }`;

const prod = { name: 'prod', clusterSelector: { matchLabels: [{ key: 'env', value: 'prod' }] } };
const dev = { name: 'dev', clusterSelector: { matchLabels: [{ key: 'env', value: 'dev' }] } };

async function retarget(input: Record<string, unknown>) {
  return (await env.gql(RETARGET, { input: { namespace: WS, name: 'app', ...input } })).retargetGitRepo;
}

async function resourceVersion(name = 'app'): Promise<string> {
  return (await env.gql(`{ gitRepo(namespace: "${WS}", name: "${name}") { resourceVersion } }`)).gitRepo
    .resourceVersion;
}

/** The GitRepo's spec and generation as the API server holds them. */
async function spec(name = 'app') {
  const o = await readBack(env, name);
  return { generation: o.metadata.generation, targets: o.spec.targets };
}

beforeAll(async () => {
  env = await startEnv({
    cleanup: 'prompt',
    // The one authorization point: this policy refuses anything on GitRepo "locked".
    authorize: (_caller, req) => (req.name === 'locked' ? 'GitRepo "locked" is frozen' : true),
  });
  for (const [name, e] of [
    ['eu-1', 'prod'],
    ['us-1', 'dev'],
  ] as const)
    await env.objects.create('clusters', WS, { metadata: { name, labels: { env: e } }, spec: {} });
  for (const name of ['app', 'locked'])
    await env.objects.create('gitrepos', WS, {
      metadata: { name },
      spec: {
        repo: 'https://example.com/app',
        paths: ['a'],
        targets: [{ name: 'all', clusterSelector: {} }],
      },
    });
  await env.settle(async () => (await env.gql(`{ bundles { totalCount } }`)).bundles.totalCount, 2);
});

afterAll(async () => {
  await env?.stop();
});

describe('retargetGitRepo refuses safely', () => {
  it('refuses a stale expectedResourceVersion after a concurrent spec edit, and writes nothing', async () => {
    const seen = await resourceVersion();
    // Someone else edits the targets meanwhile (straight through the API server).
    await env.objects.patch('gitrepos', WS, 'app', {
      spec: { targets: [{ name: 'other', clusterName: 'us-1' }] },
    });
    await expect.poll(async () => (await resourceVersion()) !== seen).toBe(true);
    const before = await spec();
    const r = await retarget({ targets: [prod], expectedResourceVersion: seen });
    expect(r.userErrors).toHaveLength(1);
    expect(r.userErrors[0]).toMatchObject({ code: 'CONFLICT', field: 'expectedResourceVersion' });
    expect(r.userErrors[0].message).toContain('spec.targets changed');
    expect(r.userErrors[0].currentResourceVersion).toBe(r.gitRepo.resourceVersion);
    expect(r.gitRepo.targets).toEqual([{ name: 'other' }]);
    expect(await spec()).toEqual(before);
    // Retrying against the current version goes through.
    const ok = await retarget({
      targets: [prod],
      expectedResourceVersion: r.userErrors[0].currentResourceVersion,
    });
    expect(ok.userErrors).toEqual([]);
    expect(ok.gitRepo.targets).toEqual([{ name: 'prod' }]);
    expect((await spec()).targets).toEqual([
      { name: 'prod', clusterSelector: { matchLabels: { env: 'prod' } } },
    ]);
  });

  it('does not count a status-only write since the read as a conflict', async () => {
    const seen = await resourceVersion();
    await env.objects.status('gitrepos', WS, 'app', { display: { message: 'status written by Fleet' } });
    await expect.poll(async () => (await resourceVersion()) !== seen).toBe(true);
    const r = await retarget({ targets: [prod, dev], expectedResourceVersion: seen });
    expect(r.userErrors).toEqual([]);
    expect(r.gitRepo.targets).toEqual([{ name: 'prod' }, { name: 'dev' }]);
  });

  it('a dry run returns the plan and writes nothing', async () => {
    const before = await spec();
    const r = await retarget({ targets: [dev], dryRun: true });
    expect(r.userErrors).toEqual([]);
    expect(r.plan.removedClusters).toEqual([{ name: 'eu-1' }]);
    expect(r.plan.warnings).toContain('Removes 1 cluster: eu-1.');
    expect(await spec()).toEqual(before);
  });

  it('a staged dry run shows the planned steps, none applied, and writes nothing', async () => {
    const before = await spec();
    const d = await env.gql(
      `mutation($input: RetargetGitRepoInput!) { retargetGitRepo(input: $input) {
         userErrors { code } operation { state steps { state addedClusters removedClusters targets { clusterName } } } } }`,
      { input: { namespace: WS, name: 'app', targets: [dev], dryRun: true, strategy: { batchSize: 1 } } },
    );
    expect(d.retargetGitRepo.userErrors).toEqual([]);
    expect(d.retargetGitRepo.operation.steps).toEqual([
      { state: 'PENDING', addedClusters: [], removedClusters: ['eu-1'], targets: [{ clusterName: null }] },
    ]);
    expect(await spec()).toEqual(before);
    expect((await readBack(env, 'app')).metadata.annotations ?? {}).toEqual({});
  });

  it.each([
    [
      'a selector operator without values',
      {
        targets: [
          { name: 'x', clusterSelector: { matchExpressions: [{ key: 'env', operator: 'IN', values: [] }] } },
        ],
      },
      [{ code: 'INVALID_TARGET', field: 'targets[0].clusterSelector.matchExpressions[0].values' }],
    ],
    [
      'an invalid label key',
      { targets: [{ name: 'x', clusterSelector: { matchLabels: [{ key: 'bad key!', value: 'v' }] } }] },
      [
        {
          code: 'INVALID_TARGET',
          field: expect.stringMatching(/^targets\[0\]\.clusterSelector\.matchLabels/),
        },
      ],
    ],
    [
      'an invalid ClusterGroup name and a duplicate target name',
      {
        targets: [
          { name: 'x', clusterGroup: 'Not_A_Name' },
          { name: 'x', clusterName: 'eu-1' },
        ],
      },
      [
        { code: 'INVALID_TARGET', field: 'targets[0].clusterGroup' },
        { code: 'INVALID_TARGET', field: 'targets[1].name' },
      ],
    ],
    ['an empty target list', { targets: [] }, [{ code: 'INVALID_TARGET', field: 'targets' }]],
    [
      'batchSize 0 and a negative pause',
      { targets: [prod], strategy: { batchSize: 0, pauseBetween: -5 } },
      [
        { code: 'INVALID_ARGUMENT', field: 'strategy.batchSize' },
        { code: 'INVALID_ARGUMENT', field: 'strategy.pauseBetween' },
      ],
    ],
    ['an unknown GitRepo', { name: 'nope', targets: [prod] }, [{ code: 'NOT_FOUND', field: 'name' }]],
  ])('refuses %s with typed errors and leaves the GitRepo unchanged', async (_what, input, errors) => {
    const before = await spec();
    const r = await retarget(input);
    expect(r.userErrors).toEqual(errors.map((e) => expect.objectContaining(e)));
    expect(r.operation).toBeNull();
    expect(await spec()).toEqual(before);
  });

  it('warns, but accepts, a target with no criteria', async () => {
    const r = await retarget({ targets: [prod, { name: 'empty' }], dryRun: true });
    expect(r.userErrors).toEqual([]);
    expect(r.plan.warnings.join(' ')).toContain('targets[1] has no criteria');
  });

  it("refuses an edit the gateway has not seen yet (the API server's precondition), and writes nothing", async () => {
    // The gateway's GitRepo watch goes silent, then someone edits the targets: the store is behind.
    env.sim.apiServer.faults.silenceWatches({ resource: 'gitrepos' });
    try {
      const seen = await resourceVersion();
      await env.objects.patch('gitrepos', WS, 'app', {
        spec: { targets: [{ name: 'meanwhile', clusterName: 'eu-1' }] },
      });
      expect(await resourceVersion()).toBe(seen);
      const r = await retarget({ targets: [dev], expectedResourceVersion: seen });
      expect(r.userErrors).toEqual([
        expect.objectContaining({ code: 'CONFLICT', field: 'expectedResourceVersion' }),
      ]);
      expect(r.userErrors[0].message).toContain('changed on the API server');
      expect((await spec()).targets).toEqual([{ name: 'meanwhile', clusterName: 'eu-1' }]);
    } finally {
      env.sim.apiServer.faults.clear();
      env.sim.apiServer.faults.endWatches({ resource: 'gitrepos' });
    }
    // Once the watch resumes, the gateway shows the edit.
    await expect
      .poll(
        async () =>
          (await env.gql(`{ gitRepo(namespace: "${WS}", name: "app") { targets { name } } }`)).gitRepo
            .targets,
      )
      .toEqual([{ name: 'meanwhile' }]);
  });

  it('refuses what the authorization policy denies, with FORBIDDEN, and writes nothing', async () => {
    const before = await spec('locked');
    const r = (await env.gql(RETARGET, { input: { namespace: WS, name: 'locked', targets: [prod] } }))
      .retargetGitRepo;
    expect(r.userErrors).toEqual([expect.objectContaining({ code: 'FORBIDDEN' })]);
    expect(r.userErrors[0].message).toContain('frozen');
    const del = await env.gql(
      `mutation { deleteGitRepo(input: {namespace: "${WS}", name: "locked"}) { deleted userErrors { code } } }`,
    );
    expect(del.deleteGitRepo).toEqual({ deleted: false, userErrors: [{ code: 'FORBIDDEN' }] });
    expect(await spec('locked')).toEqual(before);
  });
});
