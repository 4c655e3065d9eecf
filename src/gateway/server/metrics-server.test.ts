import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { DEFAULT_METRICS_PORT, startMetricsServer } from './metrics-server.js';

const render = () => Promise.resolve({ contentType: 'text/plain; version=0.0.4', body: 'up 1\n' });

/** Holds the default metrics port, unless something else on this machine already does. */
let holder: Server | undefined;

beforeAll(async () => {
  const s = createServer();
  await new Promise<void>((resolve) => {
    s.once('error', () => resolve());
    s.listen(DEFAULT_METRICS_PORT, '127.0.0.1', () => {
      holder = s;
      resolve();
    });
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
});

describe('metrics server', () => {
  it('takes a free port when the default one is taken, and serves only /metrics', async () => {
    const m = await startMetricsServer({
      port: undefined,
      host: '127.0.0.1',
      render,
      logger: silentLogger(),
    });
    try {
      const port = Number(new URL(m.url).port);
      expect(port).not.toBe(DEFAULT_METRICS_PORT);
      expect(port).toBeGreaterThan(0);
      const res = await fetch(m.url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('up 1\n');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect((await fetch(new URL('/graphql', m.url))).status).toBe(404);
      expect((await fetch(m.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await m.stop();
    }
  });

  it('fails with a clear error when an explicit port is taken', async () => {
    await expect(
      startMetricsServer({ port: DEFAULT_METRICS_PORT, host: '127.0.0.1', render, logger: silentLogger() }),
    ).rejects.toThrow(/cannot listen on 127\.0\.0\.1:9090: the address is already in use/);
  });
});
