/**
 * /metrics on its own port, apart from the API: a scrape target needs no GraphQL, never CORS, and
 * a network policy can open it to Prometheus only. Serves GET/HEAD /metrics and nothing else.
 *
 * Without `--metrics-port` it listens on {@link DEFAULT_METRICS_PORT}, the port the chart's
 * Service and ServiceMonitor name; when that is taken (a second gateway on one machine) it takes a
 * free port instead and says so, since the API must not fail to start for want of a scrape port.
 * An explicit port is used as given, and a taken one is an error like the API port's.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/logger.js';
import { setSecurityHeaders } from './gate.js';
import { listenError } from './server.js';
import { METRICS_PATH, type MetricsText } from './observability.js';

export interface MetricsServer {
  /** `http://host:port/metrics`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Where /metrics listens without `--metrics-port` (Prometheus exporters' customary range). */
export const DEFAULT_METRICS_PORT = 9090;

export async function startMetricsServer(opts: {
  /** Undefined: {@link DEFAULT_METRICS_PORT}, or a free port when that one is taken. */
  readonly port: number | undefined;
  readonly host: string;
  readonly render: () => Promise<MetricsText>;
  readonly logger: Logger;
}): Promise<MetricsServer> {
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 10_000 }, (req, res) => {
    setSecurityHeaders(res);
    const path = (req.url ?? '/').split('?')[0];
    if (path !== METRICS_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    opts.render().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (e: unknown) => {
        opts.logger.error({ err: e }, 'rendering metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  server.maxConnections = 100;
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(opts.port ?? DEFAULT_METRICS_PORT);
  } catch (e) {
    if (opts.port !== undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
      throw listenError(e, opts.host, opts.port ?? DEFAULT_METRICS_PORT);
    }
    opts.logger.warn(
      { port: DEFAULT_METRICS_PORT },
      'the default metrics port is taken; /metrics listens on a free port instead (set --metrics-port)',
    );
    await listen(0).catch((e2: unknown) => {
      throw listenError(e2, opts.host, 0);
    });
  }
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}${METRICS_PATH}`;
  opts.logger.info({ url }, 'metrics listening');
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
