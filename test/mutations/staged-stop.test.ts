/* eslint-disable @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   GraphQL responses are JSON read field by field. */
/**
 * Stopping a staged retarget: `cancelRetarget` stops it where it is, and with `abortOnFailure` a
 * deployment that fails in a step (ErrApplied) ends it as FAILED, reported, with no later step applied.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ALL, deploymentCount, operation, STAGED_RETARGET, startStagedEnv, WS, type Env } from './support.js';

let env: Env;

beforeAll(async () => {
  env = await startStagedEnv(30, ['app2', 'app3']);
});

afterAll(async () => {
  await env?.stop();
});

it('cancelRetarget stops an operation where it is', async () => {
  const r = (
    await env.gql(STAGED_RETARGET, {
      input: { namespace: WS, name: 'app2', targets: ALL, strategy: { batchSize: 10, pauseBetween: 600 } },
    })
  ).retargetGitRepo;
  expect(r.userErrors).toEqual([]);
  const id = r.operation.id;
  const c = await env.gql(
    `mutation($id: ID!) { cancelRetarget(id: $id) { userErrors { code } operation { state currentStep message } } }`,
    { id },
  );
  expect(c.cancelRetarget.userErrors).toEqual([]);
  expect(c.cancelRetarget.operation).toMatchObject({ state: 'CANCELLED', currentStep: 0 });
  // Time passes; nothing moves on: Fleet deploys the first step's 10 clusters and no more.
  await env.settle(async () => deploymentCount(env, 'app2'), 10, 5_000);
  await env.clock.advance(20 * 60_000);
  expect(await operation(env, id)).toMatchObject({ state: 'CANCELLED', currentStep: 0 });
  expect(await deploymentCount(env, 'app2')).toBe(10);
  const again = await env.gql(`mutation($id: ID!) { cancelRetarget(id: $id) { userErrors { code } } }`, {
    id,
  });
  expect(again.cancelRetarget.userErrors).toEqual([{ code: 'CONFLICT' }]);
}, 30_000);

it('aborts on a failed deployment and reports it (abortOnFailure)', async () => {
  // The agent on c-15 fails to apply app3's Bundle: ErrApplied in the second step.
  env.sim.fleet.injectFault({ cluster: `${WS}/c-15`, bundle: `${WS}/app3-a`, fault: 'ErrApplied' });
  const r = (
    await env.gql(STAGED_RETARGET, {
      input: { namespace: WS, name: 'app3', targets: ALL, strategy: { batchSize: 10, abortOnFailure: true } },
    })
  ).retargetGitRepo;
  expect(r.userErrors).toEqual([]);
  const id = r.operation.id;
  await env.settle(async () => (await operation(env, id)).state, 'FAILED', 2_000);
  const failed = await operation(env, id);
  expect(failed.currentStep).toBe(1);
  expect(failed.failures).toEqual([expect.objectContaining({ cluster: 'c-15' })]);
  expect(failed.message).toContain('step 2 failed');
  // The third step was never applied: at most the first two batches are deployed.
  await env.clock.advance(60_000);
  expect(await deploymentCount(env, 'app3')).toBeLessThanOrEqual(20);
  expect((await operation(env, id)).steps.map((s: any) => s.state)).toEqual([
    'CONVERGED',
    'APPLIED',
    'PENDING',
  ]);
}, 30_000);
