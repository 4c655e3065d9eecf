/**
 * Why this file is over 400 lines: HTTP, SSE and graphql-ws share one connection lifecycle
 * (gate, limits, socket accounting, and the drain order at shutdown), kept as one sequence.
 *
 * Puts the app on one node:http server: GraphQL over HTTP and SSE by yoga, and graphql-ws on the
 * same port and path. The WebSocket path runs yoga's own envelop pipeline (parse, validate, limits,
 * context, masked errors), hardened so a bad operation gets errors for that operation only and
 * never closes the socket (docs/libraries.md §2.1).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  GraphQLError,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { ErrorCode, FleetGraphError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Caller } from '../graphql/index.js';
import {
  appInternals,
  bearerToken,
  GRAPHQL_PATH,
  HEALTH_PATH,
  READY_PATH,
  UNAUTHENTICATED,
  UNAUTHENTICATED_CLOSE_CODE,
  type App,
  type Authenticate,
} from './app.js';
import type { ResponseCache } from './response-cache.js';
import {
  createGate,
  refuse,
  refuseUpgrade,
  setSecurityHeaders,
  type GateOptions,
  type Refusal,
} from './gate.js';
import {
  checkBackpressure,
  TOO_MANY_CLOSE_CODE,
  DEFAULT_SUBSCRIPTION_LIMITS,
  disconnector,
  identityKey,
  limitConnectionsPerClient,
  measureStreamBuffers,
  STREAM_RETRY_AFTER_SECONDS,
  subscriptionLimitErrors,
  trackSse,
  type StreamBuffers,
  type SubscriptionLimits,
} from './subscriptions.js';
import { directFrames, type DirectFrames, type ResultJson } from './fanout.js';

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
  /**
   * Authentication of WebSocket connections (the same function the app uses for HTTP): the token
   * comes from the `connection_init` payload (`{"authorization": "Bearer …"}`) or the upgrade
   * request's Authorization header. A refused connection is closed with 4401.
   */
  readonly authenticate?: Authenticate | undefined;
  /** Host and Origin allow-lists (see gate.ts). */
  readonly gate?: GateOptions | undefined;
  /** Serves repeated queries before yoga (its plugin must be among the app's plugins). */
  readonly responseCache?: ResponseCache | undefined;
  /**
   * Serializes subscription results once per shared result (graphql/subscriptions/shared.ts), so
   * subscribers of one group get the same bytes; without it each frame is serialized on its own.
   */
  readonly resultJson?: ResultJson | undefined;
}

/** The bearer token of a WebSocket connection: connection_init payload first, then the upgrade header. */
function connectionToken(
  params: Readonly<Record<string, unknown>> | undefined,
  req: IncomingMessage,
): string | undefined {
  const fromParams = params?.['authorization'] ?? params?.['Authorization'];
  return bearerToken(typeof fromParams === 'string' ? fromParams : req.headers.authorization);
}

/**
 * Socket-level bounds of the node:http server. A client must send its headers within
 * `headersTimeout` and its whole request within `requestTimeout` (responses, SSE streams included,
 * are not bounded by these); past `maxConnections` new sockets are dropped at once.
 */
export const HTTP_LIMITS = {
  maxConnections: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  /** Largest graphql-ws message accepted (ws' default is 100 MiB). */
  maxWsPayloadBytes: 1_000_000,
} as const;

export interface RunningServer {
  /** `http://host:port/graphql`. */
  readonly url: string;
  readonly port: number;
  /**
   * Drains and stops, in order: readiness fails (`onDraining`) while the listener still answers,
   * so probes see it; requests in flight (queries, mutations) finish, bounded by the grace period;
   * the listener closes; WebSocket clients get 1012 "Service Restart" (reconnect elsewhere, resume
   * by cursor); `beforeDispose` runs (stopping the event engine ends SSE streams with a `complete`
   * event); yoga is disposed; after the grace period whatever is still open is cut.
   */
  stop(opts?: { beforeDispose?: () => Promise<void> }): Promise<void>;
  /** Bytes written to subscribers but not yet handed to their sockets (see {@link StreamBuffers}). */
  streamBuffers(): StreamBuffers;
}

type Run = Pick<ExecutionArgs, never> & {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
  /** Where a subscription's events are written (straight to the socket, see fanout.ts). */
  frames: DirectFrames;
};

/** A subscription's results, written by {@link directFrames}; errors and single results as they are. */
async function subscribeDirect(args: ExecutionArgs): Promise<unknown> {
  const run = args.rootValue as Run;
  const result = await run.subscribe(args);
  if (typeof result !== 'object' || result === null || !(Symbol.asyncIterator in result)) return result;
  return directFrames(result as AsyncIterable<ExecutionResult>, run.frames);
}

/** Upgrades from a foreign Origin: accepted, then closed with 4403 by graphql-ws' onConnect. */
const foreignOrigin = new WeakSet<IncomingMessage>();

const PROBE_PATHS = new Set([HEALTH_PATH, READY_PATH]);

/** Liveness and readiness answer probes that use the pod address as Host, and reveal nothing. */
function isProbe(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0]!;
  return PROBE_PATHS.has(path);
}

/** A listen failure as one clear sentence (EADDRINUSE, EACCES, EADDRNOTAVAIL). */
export function listenError(e: unknown, host: string, port: number): Error {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const why =
    code === 'EADDRINUSE'
      ? 'the address is already in use'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EADDRNOTAVAIL'
          ? 'the address is not available on this machine'
          : ((e as Error | undefined)?.message ?? String(e));
  return new FleetGraphError(ErrorCode.UNAVAILABLE, `cannot listen on ${where}: ${why}`, { code });
}
/** RFC 6455 section 7.4.1, as registered by IANA: the server restarts; the client may reconnect. */
export const WS_CLOSE_SERVICE_RESTART = 1012;

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { app, logger: log } = opts;
  const grace = opts.shutdownGraceMs ?? 5_000;
  // Requests in flight that are not streams (SSE streams end when the event engine stops).
  let inFlight = 0;
  let draining = false;
  let onIdle: (() => void) | undefined;
  let listeningPort = opts.port;
  const sseStreams = new Set<ServerResponse>();
  const gate = createGate(opts.host, () => listeningPort, opts.gate);
  const { identify, streams } = appInternals(app);
  /**
   * An SSE request its caller or address has no slot for is refused here, from its headers alone:
   * nothing of it is read, parsed or validated, so a flood of them costs next to nothing. The
   * caller is known here without authentication (`identify` reads headers); with it, the address
   * is checked here and the caller right after the token review, still before the body is read.
   * The slot itself is taken in the context, once the operation is known to be valid.
   */
  const earlyStreamRefusal = (req: IncomingMessage): Refusal | undefined => {
    if (!(req.headers.accept ?? '').includes('text/event-stream')) return undefined;
    if ((req.url ?? '/').split('?')[0] !== GRAPHQL_PATH) return undefined;
    const address = req.socket.remoteAddress ?? 'unknown';
    const identity = opts.authenticate
      ? undefined
      : identityKey(
          identify((name) => {
            const v = req.headers[name.toLowerCase()];
            return Array.isArray(v) ? v.join(', ') : v;
          }, {}),
          address,
        );
    const refusal = streams.refusal(identity, address, true);
    return refusal && { status: 429, ...refusal };
  };
  const http: Server = createServer(
    { headersTimeout: HTTP_LIMITS.headersTimeoutMs, requestTimeout: HTTP_LIMITS.requestTimeoutMs },
    (req, res) => {
      if ((req.headers.accept ?? '').includes('text/event-stream')) trackSse(sseStreams, res);
      else {
        inFlight += 1;
        res.once('close', () => {
          inFlight -= 1;
          if (inFlight === 0) onIdle?.();
        });
      }
      // While draining, a kept-alive connection is closed after its answer.
      if (draining) res.setHeader('connection', 'close');
      setSecurityHeaders(res);
      // Liveness is answered here, before yoga: it stays fast however busy the GraphQL side is.
      if (req.url === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
        res.writeHead(200).end();
        return;
      }
      const refusal = gate.check(req);
      if (refusal && !isProbe(req.url)) {
        refuse(res, refusal);
        return;
      }
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
      const streamRefusal = earlyStreamRefusal(req);
      if (streamRefusal) {
        refuse(res, streamRefusal, { 'retry-after': String(STREAM_RETRY_AFTER_SECONDS) });
        return;
      }
      // Repeated queries are answered from memory while nothing they read has changed.
      if (opts.responseCache?.handle(req, res, () => void app.requestListener(req, res))) return;
      void app.requestListener(req, res);
    },
  );
  http.maxConnections = HTTP_LIMITS.maxConnections;

  // Listen before anything else is attached: a taken port must fail here, once, as one error
  // (a WebSocketServer on an unbound server re-emits the listen error as an unhandled 'error').
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject);
      resolve();
    });
  }).catch((e: unknown) => {
    throw listenError(e, opts.host, opts.port);
  });

  const subLimits: SubscriptionLimits = { ...DEFAULT_SUBSCRIPTION_LIMITS, ...opts.subscriptionLimits };
  // Operations of every open WebSocket, counted with SSE streams against the gateway-wide limit.
  const sockets = new Set<{
    subscriptions: Readonly<Record<string, unknown>>;
    extra: { socket: { bufferedAmount: number } };
  }>();
  streams.countWebSocketOperations(() => {
    let n = 0;
    for (const c of sockets) n += Object.keys(c.subscriptions).length;
    return n;
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: HTTP_LIMITS.maxWsPayloadBytes });
  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== GRAPHQL_PATH) {
      socket.destroy();
      return;
    }
    const refusal = gate.check(req);
    if (refusal?.status === 421) {
      refuseUpgrade(socket, refusal);
      return;
    }
    if (refusal) foreignOrigin.add(req);
    wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
  });
  const ws = useServer(
    {
      execute: (args) => (args.rootValue as Run).execute(args) as never,
      subscribe: (args) => subscribeDirect(args) as never,
      onConnect: async (ctx) => {
        const req = ctx.extra.request;
        if (foreignOrigin.has(req)) return false;
        const close = disconnector(ctx.extra.socket);
        let caller: Caller;
        if (opts.authenticate) {
          try {
            const result = await opts.authenticate(connectionToken(ctx.connectionParams, req));
            if (!result.ok) {
              log.info({ reason: result.reason }, 'WebSocket connection refused: not authenticated');
              close(
                UNAUTHENTICATED_CLOSE_CODE,
                `${UNAUTHENTICATED}: send {"authorization":"Bearer <token>"} in connection_init`,
              );
              return false;
            }
            caller = result.caller;
            (ctx.extra as { caller?: Caller }).caller = caller;
          } catch (e) {
            log.warn({ err: (e as Error).message }, 'authentication unavailable');
            // 1013 "try again later" (RFC 6455 registry).
            close(1013, 'UNAVAILABLE: authentication is unavailable; retry');
            return false;
          }
        } else {
          caller = identify((name) => {
            const v = req.headers[name.toLowerCase()];
            return Array.isArray(v) ? v.join(', ') : v;
          }, ctx.connectionParams ?? {});
        }
        // The socket may have closed while the token was reviewed: take no slot it would never free.
        if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) return false;
        const address = req.socket.remoteAddress ?? 'unknown';
        // A connection holds a slot of its caller and address until it closes, like an SSE stream.
        const opened = streams.open(identityKey(caller, address), address);
        if (opened.refusal) {
          log.warn(
            { address, limit: opened.refusal.limit },
            'WebSocket connection refused: too many streams',
          );
          close(TOO_MANY_CLOSE_CODE, `${opened.refusal.code}: ${opened.refusal.message}`);
          return false;
        }
        sockets.add(ctx);
        ctx.extra.socket.once('close', () => {
          opened.release();
          sockets.delete(ctx);
        });
        return true;
      },
      onNext: (ctx) => checkBackpressure(ctx.extra.socket, subLimits),
      onSubscribe: async (ctx, id, params) => {
        // The limit applies to this operation only; the socket's other subscriptions keep flowing.
        const overLimit = subscriptionLimitErrors(Object.keys(ctx.subscriptions).length, subLimits);
        if (overLimit) return overLimit;
        // This operation is already in ctx.subscriptions, so the count includes it.
        const total =
          streams.subscriptions() > streams.limits.maxSubscriptions
            ? streams.subscriptionRefusal()
            : undefined;
        if (total) {
          return [new GraphQLError(total.message, { extensions: { code: total.code, limit: total.limit } })];
        }
        const env = app.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          connectionParams: ctx.connectionParams ?? {},
          caller: (ctx.extra as { caller?: Caller }).caller,
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
          rootValue: {
            execute: env.execute,
            subscribe: env.subscribe,
            frames: { socket: ctx.extra.socket, id, limits: subLimits, json: opts.resultJson },
          } satisfies Run,
        };
      },
    },
    wss,
  );
  limitConnectionsPerClient(wss, subLimits, log);
  const { port } = http.address() as AddressInfo;
  listeningPort = port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}${GRAPHQL_PATH}`;
  log.info({ url }, 'GraphQL server listening');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    streamBuffers: () =>
      measureStreamBuffers(
        sseStreams,
        [...sockets].map((c) => c.extra.socket),
      ),
    stop(stopOpts) {
      stopping ??= (async () => {
        draining = true;
        opts.onDraining?.();
        const deadline = Date.now() + grace;
        const bounded = async (p: Promise<void>) => {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            p,
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
              timer.unref();
            }),
          ]);
          clearTimeout(timer);
        };
        // Answers in flight finish first; a mutation waiting for its own write still gets it.
        if (inFlight > 0) await bounded(new Promise<void>((resolve) => (onIdle = resolve)));
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeIdleConnections();
        for (const client of wss.clients) client.close(WS_CLOSE_SERVICE_RESTART, 'Service Restart');
        await ws.dispose();
        await stopOpts?.beforeDispose?.();
        await app.dispose();
        http.closeIdleConnections();
        // Streams and keep-alive sockets keep close() pending; cut them after the grace period.
        await bounded(closed);
        http.closeAllConnections();
        await closed;
        log.info('GraphQL server stopped');
      })();
      return stopping;
    },
  };
}
