/**
 * Contract: `fleet-graph simulate --port 0 --kubeconfig-out <file> --scenario empty` prints where it
 * listens, writes a kubeconfig the real kubectl uses as is, and stops cleanly on SIGINT.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
      // The line names the scheme the kubeconfig really uses: https, on the same port.
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)$/m.exec(out)?.[1];
      expect(out).toContain(`(server https://127.0.0.1:${port}, https with its own CA)`);
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

  it('takes --token-auth-file and --audit-log-path: token-file users are judged by RBAC and audited', async () => {
    const kubeconfig = join(dir, 'kubeconfig-auth');
    const tokens = join(dir, 'tokens.csv');
    const audit = join(dir, 'audit.log');
    await writeFile(tokens, 'alice-secret-token,alice,alice-uid,"devs"\n');
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
        '--token-auth-file',
        tokens,
        '--audit-log-path',
        audit,
        '--log-level',
        'warn',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await expect.poll(() => out, { timeout: 20_000 }).toContain(`kubeconfig written to ${kubeconfig}`);
      const opts = { kubeconfig, cacheDir: join(dir, 'cache-auth') };
      const admin = await kubectl(['get', 'ns', 'fleet-local', '-o', 'name'], opts);
      expect(admin.stdout).toBe('namespace/fleet-local\n');
      const alice = await kubectl(['get', 'ns', '--token', 'alice-secret-token'], opts);
      expect(alice.code).toBe(1);
      expect(alice.stderr).toContain(
        'Error from server (Forbidden): namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope',
      );
      await expect
        .poll(async () =>
          (await readFile(audit, 'utf8'))
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { user: { username?: string }; responseStatus: { code: number } }),
        )
        .toContainEqual(
          expect.objectContaining({
            user: expect.objectContaining({ username: 'alice' }) as unknown,
            responseStatus: expect.objectContaining({ code: 403 }) as unknown,
          }),
        );
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 40_000);

  it('refuses to start on a malformed token file, naming it', async () => {
    const tokens = join(dir, 'bad-tokens.csv');
    await writeFile(tokens, 'only-a-token,alice\n');
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
        '--token-auth-file',
        tokens,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(err).toContain(
      `token file ${tokens} must have at least 3 columns (token, user name, user uid), found 2`,
    );
  }, 40_000);
});
