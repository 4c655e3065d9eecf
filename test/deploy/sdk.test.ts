/**
 * The client SDK and its examples, as a user runs them: compiled with tsc to plain JavaScript
 * (so nothing relies on tsx), then run with node against `fleet-graph serve` on the embedded
 * simulator. The retarget example plans, checks, applies and waits for its orphans to go while
 * the stream example, over both subscription transports, prints the removals.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliGateway, type RunningGateway } from '../support/cli-process.js';
import { ROOT } from '../support/helm.js';

const run = promisify(execFile);
const OUT = join(ROOT, '.cache', 'sdk-build');

let gateway: RunningGateway;

beforeAll(async () => {
  await rm(OUT, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const compile = run(process.execPath, [
    tsc,
    '--outDir',
    OUT,
    '--rootDir',
    ROOT,
    '--module',
    'nodenext',
    '--target',
    'es2022',
    '--strict',
    '--skipLibCheck',
    '--types',
    'node',
    join(ROOT, 'examples', 'retarget.ts'),
    join(ROOT, 'examples', 'stream-removals.ts'),
  ]);
  [gateway] = await Promise.all([startCliGateway(['--speed', '10']), compile]);
}, 180_000);

afterAll(async () => {
  await gateway?.stop();
});

/** Starts a compiled stream example and resolves once it reports the stream open. */
async function startStream(transport: 'ws' | 'sse') {
  const proc = spawn(
    process.execPath,
    [
      join(OUT, 'examples', 'stream-removals.js'),
      '--url',
      gateway.url,
      '--transport',
      transport,
      '--limit',
      '1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) => lines.push(l));
  const open = new Promise<void>((resolve, reject) => {
    createInterface({ input: proc.stderr }).on('line', (l) => {
      if (l.includes('streaming removals')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`stream (${transport}) exited ${code} before opening`)));
  });
  await open;
  return { proc, lines, exited: once(proc, 'exit') as Promise<[number | null]> };
}

describe('SDK examples', () => {
  it('retarget with a plan, check, apply, wait until the orphans are gone; removals stream over ws and SSE', async () => {
    // The demo's deployments start out not ready; a staged retarget waits for the rest to be Ready.
    await expect
      .poll(
        async () => {
          const res = await fetch(gateway.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              query:
                '{ gitRepo(namespace: "fleet-default", name: "security-policies") { status { display { readyBundleDeployments } } } }',
            }),
          });
          const body = (await res.json()) as {
            data: { gitRepo: { status: { display: { readyBundleDeployments: string } } } };
          };
          const [ready, all] = body.data.gitRepo.status.display.readyBundleDeployments.split('/');
          return ready === all && Number(all) > 0;
        },
        { timeout: 120_000, interval: 500 },
      )
      .toBe(true);
    const [ws, sse] = await Promise.all([startStream('ws'), startStream('sse')]);
    const { stdout } = await run(
      process.execPath,
      [
        join(OUT, 'examples', 'retarget.js'),
        '--url',
        gateway.url,
        '--name',
        'security-policies',
        '--group',
        'production',
        '--max-removed',
        '20',
      ],
      { timeout: 120_000 },
    ).catch((e: { stdout?: string; stderr?: string }) => {
      throw new Error(`retarget example failed:\n${e.stdout}\n${e.stderr}`);
    });
    expect(stdout).toMatch(/^plan: \+\[-\] -\[staging-/m);
    expect(stdout).toMatch(/^applied: operation \S+/m);
    expect(stdout).toMatch(/^orphans gone$/m);

    for (const stream of [ws, sse]) {
      const [code] = await stream.exited;
      expect(code).toBe(0);
      expect(stream.lines).toHaveLength(1);
      const event = JSON.parse(stream.lines[0]!) as { bundleDeployment: string; reason: string };
      expect(event.bundleDeployment).toMatch(/^cluster-/);
      expect(event.reason).toBe('TARGET_REMOVED');
    }
  }, 300_000);

  it('a plan that removes too much is refused before anything is written', async () => {
    const err = await run(process.execPath, [
      join(OUT, 'examples', 'retarget.js'),
      '--url',
      gateway.url,
      '--name',
      'platform-core',
      '--group',
      'development',
      '--max-removed',
      '1',
    ]).then(
      () => undefined,
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('more than --max-removed 1');
    expect(err?.stdout).not.toContain('applied');
  }, 60_000);
});
