/**
 * The `fleet-graph` command as the README names it: `npx fleet-graph …` on a clone after `npm ci`
 * (no build), through the bin launcher, with help per command.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/helm.js';

const run = promisify(execFile);

async function cli(args: string[], via: 'npx' | 'bin' = 'bin') {
  const [cmd, pre] =
    via === 'npx' ? ['npx', ['--no-install', 'fleet-graph']] : [process.execPath, ['bin/fleet-graph.js']];
  return run(cmd, [...pre, ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
}

describe('fleet-graph CLI', () => {
  it('`npx fleet-graph simulate --help` prints the simulate flags only', async () => {
    const { stdout } = await cli(['simulate', '--help'], 'npx');
    expect(stdout).toMatch(/^Usage: fleet-graph simulate \[flags\]/);
    expect(stdout).toContain('--scenario');
    expect(stdout).toContain('--kubeconfig-out');
    // serve-only flags are not offered to simulate
    expect(stdout).not.toContain('--backend');
    expect(stdout).not.toContain('--replay-buffer');
  }, 60_000);

  it('`serve --help` prints the serve flags, and plain --help lists the commands', async () => {
    const serve = await cli(['serve', '--help']);
    expect(serve.stdout).toMatch(/^Usage: fleet-graph serve \[flags\]/);
    expect(serve.stdout).toContain('--backend');
    const all = await cli(['--help']);
    expect(all.stdout).toMatch(/^Usage: fleet-graph <command> \[flags\]/);
    expect(all.stdout).toMatch(/^ {2}simulate {3}/m);
    expect(all.stdout).toMatch(/^ {2}serve {6}/m);
  }, 60_000);

  it('refuses an unknown flag with exit code 2 and the usage', async () => {
    const err = await cli(['simulate', '--no-such-flag']).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toContain('no-such-flag');
  }, 60_000);
});
