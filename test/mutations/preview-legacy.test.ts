/**
 * Preview parity in `legacy` cleanup mode (Fleet < v0.12.3 leaves orphans until check-in): with
 * `prune: ORPHANS` the deletions the plan announces happen now, not at the next check-in.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gitTargetRows, runParity } from './parity.js';
import { startEnv, type Env } from './support.js';

let env: Env;
beforeAll(async () => {
  env = await startEnv({ cleanup: 'legacy' });
});
afterAll(async () => {
  await env?.stop();
});

it('with prune: ORPHANS, the plan of every GitTarget rule equals what then happens', async () => {
  expect(await runParity(env, true)).toBe(gitTargetRows().length);
}, 60_000);
