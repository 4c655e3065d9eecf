/** Preview parity in `prompt` cleanup mode (Fleet ≥ v0.12.3 deletes orphans itself). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gitTargetRows, runParity } from './parity.js';
import { startEnv, type Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ cleanup: 'prompt' });
});
afterAll(async () => {
  await env?.stop();
});

it('the plan of every GitTarget rule equals the BundleDeployments the simulated Fleet then creates and deletes', async () => {
  expect(await runParity(env, false)).toBe(gitTargetRows().length);
}, 60_000);
