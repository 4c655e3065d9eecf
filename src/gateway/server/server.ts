/**
 * Puts the app on one node:http server: GraphQL over HTTP and SSE by yoga, and graphql-ws on the
 * same port and path. The WebSocket path runs yoga's own envelop pipeline (parse, validate, limits,
 * context, masked errors), hardened so a bad operation gets errors for that operation only and
 * never closes the socket (docs/libraries.md §2.1).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../shared/logger.js';
import { GRAPHQL_PATH, type App } from './app.js';
import {
  checkBackpressure,
  DEFAULT_SUBSCRIPTION_LIMITS,
  disconnector,
  limitConnectionsPerClient,
  subscriptionLimitErrors,
  type SubscriptionLimits,
} from './subscriptions.js';

export interface ServerOptions {
  readonly app: App;
  readonly port: number;
  readonly host: string;
  readonly logger: Logger;
  /** How long shutdown waits for open requests and streams before cutting them (default 5 s). */
  readonly shutdownGraceMs?: number | undefined;
  /** Subscriptions per WebSocket connection and connections per client (see subscriptions.ts). */
  readonly subscriptionLimits?: Partial<SubscriptionLimits> | undefined;
  /** Called when shutdown begins, so readiness reports "shutting down" at once. */
  readonly onDraining?: (() => void) | undefined;
}

export interface RunningServer {
  /** `http://host:port/graphql`. */
  readonly url: string;
  readonly port: number;
  /**
   * Stops in order: stop accepting connections, close WebSockets (1001), run `beforeDispose`
   * (e.g. stop the watches), dispose yoga, and after the grace period cut what is still open.
   */
  stop(opts?: { beforeDispose?: () => Promise<void> }): Promise<void>;
}

type Run = Pick<ExecutionArgs, never> & {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
};

/** Browsers always send Origin; refuse cross-site WebSocket upgrades (CSWSH), allow non-browser clients. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { app, logger: log } = opts;
  const grace = opts.shutdownGraceMs ?? 5_000;
  const http: Server = createServer((req, res) => {
    // Bodies of unknown length cannot be bounded before reading; ask for a declared length.
    if (req.headers['transfer-encoding'] && !req.headers['content-length'] && req.method === 'POST') {
      res.writeHead(411, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [{ message: 'Send a Content-Length header.', extensions: { code: 'LENGTH_REQUIRED' } }],
        }),
      );
      return;
    }
    void app.requestListener(req, res);
  });

  const subLimits: SubscriptionLimits = { ...DEFAULT_SUBSCRIPTION_LIMITS, ...opts.subscriptionLimits };
  const wss = new WebSocketServer({ server: http, path: GRAPHQL_PATH, maxPayload: 1_000_000 });
  const ws = useServer(
    {
      execute: (args) => (args.rootValue as Run).execute(args) as never,
      subscribe: (args) => (args.rootValue as Run).subscribe(args) as never,
      onConnect: (ctx) => sameOrigin(ctx.extra.request),
      onNext: (ctx) => checkBackpressure(ctx.extra.socket, subLimits),
      onSubscribe: async (ctx, _id, params) => {
        // The limit applies to this operation only; the socket's other subscriptions keep flowing.
        const overLimit = subscriptionLimitErrors(Object.keys(ctx.subscriptions).length, subLimits);
        if (overLimit) return overLimit;
        const env = app.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          connectionParams: ctx.connectionParams ?? {},
        });
        let document: DocumentNode;
        try {
          document = env.parse(params.query) as DocumentNode;
          const errors = env.validate(env.schema, document) as readonly GraphQLError[];
          if (errors.length > 0) return [...errors];
        } catch (e) {
          // Parse errors and limit rejections belong to this operation, not to the socket.
          if (e instanceof GraphQLError) return [e];
          throw e;
        }
        return {
          schema: env.schema as GraphQLSchema,
          document,
          operationName: params.operationName,
          variableValues: params.variables,
          // A subscriber that falls behind is disconnected with a code and reason (graphql/subscriptions).
          contextValue: { ...(await env.contextFactory()), disconnect: disconnector(ctx.extra.socket) },
          rootValue: { execute: env.execute, subscribe: env.subscribe } satisfies Run,
        };
      },
    },
    wss,
  );
  limitConnectionsPerClient(wss, subLimits, log);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}${GRAPHQL_PATH}`;
  log.info({ url }, 'GraphQL server listening');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    stop(stopOpts) {
      stopping ??= (async () => {
        opts.onDraining?.();
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        await ws.dispose();
        await stopOpts?.beforeDispose?.();
        await app.dispose();
        // SSE streams and keep-alive sockets keep close() pending; cut them after the grace period.
        let timer: NodeJS.Timeout | undefined;
        const cut = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            http.closeAllConnections();
            resolve();
          }, grace);
          timer.unref();
        });
        await Promise.race([closed, cut]);
        clearTimeout(timer);
        http.closeAllConnections();
        await closed;
        log.info('GraphQL server stopped');
      })();
      return stopping;
    },
  };
}
