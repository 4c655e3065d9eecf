/**
 * Benchmark process: the fleet-graph gateway alone, against the emulator's kubeconfig, as
 * `fleet-graph serve --backend kubeconfig` would run it. Times start → synced from inside (so
 * Node's own start-up is left out, as it is for the baseline LIST), and reports its event-loop
 * delay and heap on request.
 *
 *   argv[2]: kubeconfig file; argv[3…]: further `serve` flags
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../../../src/config.js';
import { startGateway } from '../../../src/gateway/gateway.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { serveParent } from './ipc.js';

const [kubeconfig = '', ...flags] = process.argv.slice(2);
const config = loadConfig(
  [
    'serve',
    '--backend',
    'kubeconfig',
    '--kubeconfig',
    kubeconfig,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--log-level',
    'silent',
    ...flags,
  ],
  {},
);
const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  if (gc) for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, gc: !!gc };
};
const lag = monitorEventLoopDelay({ resolution: 1 });
lag.enable();
const t0 = performance.now();
const gw = await startGateway({ config, logger: silentLogger(), shutdownGraceMs: 500 });
await gw.synced;
const syncMs = performance.now() - t0;

serveParent(
  { url: gw.url, syncMs, memory: heap() },
  {
    memory: () => heap(),
    lagReset: () => lag.reset(),
    /** Event-loop delay since the last reset, in ms. */
    lag: () => ({
      p50: lag.percentile(50) / 1e6,
      p99: lag.percentile(99) / 1e6,
      max: lag.max / 1e6,
      count: lag.count,
    }),
    eventStats: () => gw.eventStats(),
  },
  () => gw.stop(),
);
