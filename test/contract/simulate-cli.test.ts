/**
 * Contract: `fleet-graph simulate --port 0 --kubeconfig-out <file> --scenario empty` prints where it
 * listens, writes a kubeconfig the real kubectl uses as is, and stops cleanly on SIGINT.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlBinary } from '../support/kubectl.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;

beforeAll(async () => {
  await kubectlBinary();
  dir = await mkdtemp(join(tmpdir(), 'fleet-graph-simulate-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('fleet-graph simulate', () => {
  it('serves kubectl through the kubeconfig it writes and exits 0 on SIGINT', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        'simulate',
        '--port',
        '0',
        '--scenario',
        'empty',
        '--kubeconfig-out',
        kubeconfig,
        '--log-level',
        'warn',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await expect.poll(() => out, { timeout: 20_000 }).toContain(`kubeconfig written to ${kubeconfig}`);
      expect(out).toMatch(/^Kubernetes API emulator listening on http:\/\/127\.0\.0\.1:\d+$/m);
      const r = await kubectl(['get', 'crd', 'gitrepos.fleet.cattle.io', '-o', 'name'], {
        kubeconfig,
        cacheDir: join(dir, 'cache'),
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('customresourcedefinition.apiextensions.k8s.io/gitrepos.fleet.cattle.io\n');
      const ns = await kubectl(['get', 'ns', 'fleet-local', 'fleet-default', '-o', 'name'], {
        kubeconfig,
        cacheDir: join(dir, 'cache'),
      });
      expect(ns.stdout).toBe('namespace/fleet-local\nnamespace/fleet-default\n');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(err).toBe('');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 40_000);
});
