/**
 * Contract: a start-up that cannot succeed ends the process with a non-zero status and one clear
 * line on stderr, instead of lingering without serving: a taken port (gateway and emulator),
 * `--backend in-cluster` outside a cluster, a kubeconfig file that does not exist.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let taken: Server;
let port: number;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  port = (taken.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((r) => taken.close(() => r()));
});

/** Runs the CLI to its end; the environment has no Kubernetes service variables. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.KUBERNETES_SERVICE_HOST;
  delete env.KUBERNETES_SERVICE_PORT;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args, '--log-level', 'warn'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((r) => child.on('exit', (code) => r({ code, stdout, stderr })));
}

describe('start-up failures exit non-zero with one line', () => {
  it('serve on a port already taken', async () => {
    const r = await cli(['serve', '--scenario', 'empty', '--port', String(port), '--host', '127.0.0.1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `fleet-graph: cannot start: cannot listen on 127.0.0.1:${port}: the address is already in use\n`,
    );
    expect(r.stdout).not.toContain('GraphQL API');
  }, 30_000);

  it('simulate on a port already taken', async () => {
    const r = await cli(['simulate', '--scenario', 'empty', '--port', String(port), '--host', '127.0.0.1']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^fleet-graph: cannot start: .*EADDRINUSE/);
  }, 30_000);

  it('--backend in-cluster outside a cluster', async () => {
    const r = await cli(['serve', '--backend', 'in-cluster', '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'fleet-graph: cannot start: --backend in-cluster: not running in a Kubernetes cluster (no KUBERNETES_SERVICE_HOST/PORT or no service account token); use --backend kubeconfig outside one\n',
    );
  }, 30_000);

  it('--backend kubeconfig with a file that does not exist', async () => {
    const r = await cli([
      'serve',
      '--backend',
      'kubeconfig',
      '--kubeconfig',
      'no-such-kubeconfig',
      '--port',
      '0',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^fleet-graph: cannot start: .*no-such-kubeconfig/);
  }, 30_000);
});
