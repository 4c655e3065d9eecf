/* eslint-disable @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL responses are JSON read field by field. */
/**
 * A staged retarget of 40 clusters in batches of 10: it converges step by step (never more
 * deployments than the steps applied so far allow), and survives a gateway restart in the middle
 * (a new gateway against the same simulator resumes it from the GitRepo's annotation).
 * Cancelling and aborting on a failure: staged-stop.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ALL, deploymentCount, operation, STAGED_RETARGET, startStagedEnv, WS, type Env } from './support.js';

let env: Env;

beforeAll(async () => {
  env = await startStagedEnv(40, ['app']);
});

afterAll(async () => {
  await env?.stop();
});

it('converges step by step and resumes after a gateway restart', async () => {
  const r = (
    await env.gql(STAGED_RETARGET, {
      input: { namespace: WS, name: 'app', targets: ALL, strategy: { batchSize: 10, pauseBetween: 30 } },
    })
  ).retargetGitRepo;
  expect(r.userErrors).toEqual([]);
  const op = r.operation;
  expect(op.strategy).toEqual({ batchSize: 10, pauseBetween: 30 });
  expect(op.steps.map((s: any) => [s.addedClusters.length, s.removedClusters.length])).toEqual([
    [10, 0],
    [10, 0],
    [10, 0],
    [10, 0],
  ]);
  expect(op.steps[0].state).toBe('APPLIED');
  // The first step is an explicit list of 10 clusters.
  expect(r.gitRepo.targets).toHaveLength(10);

  // Step by step: the deployments never run ahead of the steps applied.
  let seenStep = 0;
  const observe = async () => {
    const o = await operation(env, op.id);
    const n = await deploymentCount(env, 'app');
    expect(n).toBeLessThanOrEqual(10 * (o.currentStep + 1));
    seenStep = Math.max(seenStep, o.currentStep);
    return o.currentStep;
  };
  await env.settle(async () => (await observe()) >= 1, true, 2_000);
  expect(await deploymentCount(env, 'app')).toBeGreaterThanOrEqual(10);
  await env.settle(async () => (await observe()) >= 2, true, 2_000);

  // Restart in the middle: the operation lives on the GitRepo, the new gateway carries it on.
  await env.restartGateway();
  const resumed = await operation(env, op.id);
  expect(resumed.state).toBe('RUNNING');
  expect(resumed.currentStep).toBeGreaterThanOrEqual(2);
  await env.settle(async () => (await operation(env, op.id)).state, 'SUCCEEDED', 2_000, 18_000);
  const done = await operation(env, op.id);
  expect(done.steps.map((s: any) => s.state)).toEqual(['CONVERGED', 'CONVERGED', 'CONVERGED', 'CONVERGED']);
  expect(done.failures).toEqual([]);
  expect(await deploymentCount(env, 'app')).toBe(40);
  // The last step wrote exactly the requested targets.
  const repo = await env.gql(`{ gitRepo(namespace: "${WS}", name: "app") { targets { name } } }`);
  expect(repo.gitRepo.targets).toEqual([{ name: 'all' }]);
}, 60_000);
