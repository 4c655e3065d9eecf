/**
 * Starts `fleet-graph` (through the bin launcher, as `npx fleet-graph` does) as a child process on
 * a free port, and resolves once it printed its URL and /readyz answers 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { vi } from 'vitest';
import { ROOT } from './helm.js';

export interface RunningGateway {
  url: string;
  /** Where it serves /metrics (its own port). */
  metricsUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startCliGateway(args: string[] = []): Promise<RunningGateway> {
  const proc = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'fleet-graph.js'), 'serve', '--port', '0', '--host', '127.0.0.1', ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', FLEET_GRAPH_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  let metricsUrl: string | undefined;
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const m = /GraphQL API and GraphiQL at (\S+)/.exec(line);
      if (m) resolve(m[1]!);
      metricsUrl ??= /^metrics at (\S+)/.exec(line)?.[1];
    });
    proc.on('exit', (code) => reject(new Error(`fleet-graph exited ${code}: ${stderr}`)));
  });
  // vi.waitFor, not expect.poll: this also runs in beforeAll hooks.
  await vi.waitFor(
    async () => {
      const res = await fetch(new URL('/readyz', url));
      if (res.status !== 200) throw new Error(`/readyz ${res.status}: ${await res.text()}`);
      if (!metricsUrl) throw new Error('no "metrics at" line yet');
    },
    { timeout: 60_000, interval: 100 },
  );
  return {
    url,
    metricsUrl: metricsUrl!,
    process: proc,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}
