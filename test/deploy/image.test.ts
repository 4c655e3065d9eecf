/**
 * The production image, built without a container engine: the Dockerfile's own steps are replayed
 * (test/deploy/dockerfile.ts) from a clean clone of the committed tree: a build stage with every
 * dependency compiles, a runtime stage gets `npm ci --omit=dev` and only the compiled output. The
 * result must then serve /healthz and answer a query with production dependencies alone, which
 * proves no dev dependency is needed at run time, and stop cleanly on SIGTERM.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/helm.js';
import { replayDockerfile, type Stage } from './dockerfile.js';

const run = promisify(execFile);

let workspace: string;
let runtime: Stage;
let build: Stage;
let child: ChildProcess | undefined;
let url: string;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'fleet-graph-image-'));
  const context = join(workspace, 'context');
  const { stdout: head } = await run('git', ['rev-parse', 'HEAD'], { cwd: ROOT });
  await run('git', ['clone', '--quiet', '--no-checkout', ROOT, context]);
  await run('git', ['checkout', '--quiet', head.trim()], { cwd: context });
  const stages = await replayDockerfile(join(context, 'Dockerfile'), context, join(workspace, 'stages'), {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? workspace,
    // From the local npm cache: the lockfile's packages are there after the project's own npm ci.
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
  });
  build = stages.get('build')!;
  runtime = stages.get('runtime')!;
  expect(runtime, 'a stage named runtime').toBeDefined();
}, 600_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

describe('the image (Dockerfile replayed from a clean clone)', () => {
  it('runtime holds the compiled output and production dependencies only', () => {
    const app = join(runtime.root, runtime.workdir);
    expect(existsSync(join(app, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(app, 'src'))).toBe(false);
    for (const dev of ['typescript', 'vitest', 'tsx', 'eslint', '@graphql-codegen/cli', 'playwright-core']) {
      expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
    }
    expect(existsSync(join(app, 'node_modules', 'graphql-yoga'))).toBe(true);
    // The build stage did have the compiler: the split is real.
    expect(existsSync(join(build.root, build.workdir, 'node_modules', 'typescript'))).toBe(true);
  });

  it('runs as a numeric non-root user under tini, production flags by default, with OCI labels', () => {
    expect(runtime.user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(runtime.entrypoint?.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(runtime.skipped.join(' ')).toMatch(/apt-get install .*tini/);
    expect(runtime.stopSignal).toBe('SIGTERM');
    expect(runtime.env.NODE_ENV).toBe('production');
    expect(runtime.cmd).toEqual(expect.arrayContaining(['--auth', 'kubernetes', '--graphiql', 'false']));
    expect(runtime.cmd?.join(' ')).toContain('--backend in-cluster');
    for (const key of ['title', 'description', 'licenses', 'version', 'revision']) {
      expect(runtime.labels[`org.opencontainers.image.${key}`], key).toBeTruthy();
    }
  });

  it('the base image meets every production dependency engines field', async () => {
    const major = Number(/node:(\d+)/.exec(runtime.from.replace('${NODE_IMAGE}', ''))?.[1] ?? NaN);
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    const image = /ARG NODE_IMAGE=node:(\d+)/.exec(dockerfile);
    const nodeMajor = Number.isNaN(major) ? Number(image?.[1]) : major;
    expect(nodeMajor).toBeGreaterThanOrEqual(22);
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; engines?: { node?: string } }>;
    };
    const unmet: string[] = [];
    for (const [path, pkg] of Object.entries(lock.packages)) {
      const range = pkg.engines?.node;
      if (!path || pkg.dev || !range) continue;
      // Every alternative is either ">= N…" or "^N…"/"N.x"; one must admit this major.
      const ok = range.split('||').some((alt) => {
        const ge = /^\s*>=\s*(\d+)/.exec(alt);
        if (ge) return nodeMajor >= Number(ge[1]);
        const caret = /^\s*\^?(\d+)/.exec(alt);
        return caret ? nodeMajor === Number(caret[1]) : false;
      });
      if (!ok) unmet.push(`${path}: ${range}`);
    }
    expect(unmet).toEqual([]);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toBe('>=22.15.0');
  });

  it('serves /healthz and answers a query against the embedded simulator, then stops on SIGTERM', async () => {
    const [cmd, ...rest] = runtime.entrypoint!.slice(2);
    expect(cmd).toBe('node');
    const proc = spawn(
      process.execPath,
      [...rest, 'serve', '--backend', 'simulator', '--port', '0', '--host', '127.0.0.1'],
      {
        cwd: join(runtime.root, runtime.workdir),
        env: { PATH: process.env.PATH ?? '', ...runtime.env, FLEET_GRAPH_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    let stderr = '';
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const lines = createInterface({ input: proc.stdout });
    url = await new Promise<string>((resolve, reject) => {
      lines.on('line', (line) => {
        const m = /GraphQL API and GraphiQL at (\S+)/.exec(line);
        if (m) resolve(m[1]!);
      });
      proc.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const base = new URL(url);
    const health = await fetch(new URL('/healthz', base));
    expect(health.status).toBe(200);
    await expect
      .poll(
        async () => {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: '{ clusters { totalCount } gitRepos { totalCount } }' }),
          });
          const body = (await res.json()) as { data?: { clusters: { totalCount: number } } };
          return body.data?.clusters.totalCount ?? 0;
        },
        { timeout: 60_000 },
      )
      .toBeGreaterThan(0);
    proc.kill('SIGTERM');
    const [code] = (await once(proc, 'exit')) as [number | null];
    expect(code).toBe(0);
  }, 120_000);
});
