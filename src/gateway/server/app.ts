/**
 * The GraphQL application, built apart from any listening socket: yoga with its plugins, the
 * per-operation context, health and readiness, GraphiQL served from local assets. Tests drive it
 * in process through `yoga.fetch`; {@link startServer} puts it on node:http with graphql-ws.
 */
import { NoSchemaIntrospectionCustomRule, type GraphQLSchema } from 'graphql';
import {
  createGraphQLError,
  createYoga,
  useReadinessCheck,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import { ANONYMOUS, mapError, type Caller, type GraphQLContext } from '../graphql/index.js';
import type { Logger } from '../../shared/logger.js';
import { useJsonOnly } from './gate.js';
import { useGraphiQL } from './graphiql.js';
import { DEFAULT_LIMITS, limitPlugins, type Limits } from './limits.js';
import { useMetricsEndpoint, useOperationLog, type MetricsText } from './observability.js';
import {
  DEFAULT_STREAM_LIMITS,
  identityKey,
  STREAM_RETRY_AFTER_SECONDS,
  StreamLimiter,
  type StreamLimits,
} from './subscriptions.js';

export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';

export interface Readiness {
  readonly ready: boolean;
  /** Why not ready (shown in the /readyz body). */
  readonly reason?: string | undefined;
}

/** Reads a request header, whether the operation came over HTTP or a WebSocket. */
export type HeaderReader = (name: string) => string | undefined;

export interface AppOptions {
  readonly schema: GraphQLSchema;
  /** Builds one operation's context for a caller (see graphql/context.ts `createContext`). */
  readonly context: (caller: Caller) => GraphQLContext;
  /**
   * Who is calling. The seam for authentication: today the default treats every caller as
   * anonymous; a deployment behind an authenticating proxy can map its headers here.
   */
  readonly identify?:
    ((header: HeaderReader, connectionParams: Readonly<Record<string, unknown>>) => Caller) | undefined;
  readonly readiness: () => Readiness;
  readonly logger: Logger;
  readonly limits?: Partial<Limits> | undefined;
  /** SSE streams and WebSocket connections per caller and address, subscriptions per gateway. */
  readonly streamLimits?: Partial<StreamLimits> | undefined;
  /** Serve GraphiQL to browsers at /graphql (default true). */
  readonly graphiql?: boolean | undefined;
  /** Answer introspection (`__schema`, `__type`) queries (default true). */
  readonly introspection?: boolean | undefined;
  /**
   * More yoga/envelop plugins (metrics, subscription helpers…), run after the built-in ones.
   * Envelop hooks apply to HTTP, SSE and WebSocket alike; HTTP hooks (onRequest) to HTTP only.
   */
  readonly plugins?: readonly Plugin[] | undefined;
  /**
   * Origins whose browser pages may call the API (CORS). Empty (the default): no CORS headers at all.
   * The server's gate refuses every other foreign Origin before yoga runs.
   */
  readonly corsOrigins?: readonly string[] | undefined;
  /** Renders the Prometheus text served at /metrics; without it there is no /metrics. */
  readonly metrics?: (() => Promise<MetricsText>) | undefined;
}

export type App = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

export const DEFAULT_QUERY = `# fleet-graph: Rancher Fleet as one typed graph.
# Which clusters does each GitRepo reach, in what state, and does Fleet's status agree?
query Overview {
  gitRepos(first: 20) {
    totalCount
    edges {
      node {
        namespace
        name
        status { readyClusters desiredReadyClusters display { state } }
        recomputedStatus { readyClusters desiredReadyClusters }
        bundles {
          edges {
            node {
              name
              targetedClusters {
                edges { node { cluster { name } state match { targetName reason } } }
              }
            }
          }
        }
      }
    }
  }
  inconsistencies(first: 20) {
    totalCount
    edges { node { kind reason ageSeconds } }
  }
}
`;

interface ServerContext {
  readonly request?: Request;
  /** node:http's request (HTTP), or the upgrade request (WebSocket path, see server.ts). */
  readonly req?: {
    headers: Record<string, string | string[] | undefined>;
    socket?: { remoteAddress?: string | undefined };
  };
  /** node:http's response (HTTP only). */
  readonly res?: { once(event: 'close', listener: () => void): unknown };
  readonly connectionParams?: Readonly<Record<string, unknown>>;
}

function headerReader(ctx: ServerContext): HeaderReader {
  if (ctx.request) return (name) => ctx.request!.headers.get(name) ?? undefined;
  const headers = ctx.req?.headers ?? {};
  return (name) => {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  };
}

/** Refuses `__schema` and `__type` at validation (GRAPHQL_VALIDATION_FAILED); `__typename` stays. */
function noIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/** What the server needs of an app besides yoga: the same identity and stream counts for WebSockets. */
export interface AppInternals {
  readonly identify: NonNullable<AppOptions['identify']>;
  readonly streams: StreamLimiter;
}

const internals = new WeakMap<App, AppInternals>();

export function appInternals(app: App): AppInternals {
  const found = internals.get(app);
  if (found) return found;
  // An app not built by createApp: anonymous callers, default limits.
  const made: AppInternals = { identify: () => ANONYMOUS, streams: new StreamLimiter(DEFAULT_STREAM_LIMITS) };
  internals.set(app, made);
  return made;
}

const isEventStream = (request: Request) =>
  (request.headers.get('accept') ?? '').includes('text/event-stream');

export function createApp(opts: AppOptions): App {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const log = opts.logger;
  const identify = opts.identify ?? (() => ANONYMOUS);
  const streams = new StreamLimiter({ ...DEFAULT_STREAM_LIMITS, ...opts.streamLimits });
  const corsOrigins = new Set(opts.corsOrigins ?? []);
  const app = createYoga<Record<string, unknown>, GraphQLContext>({
    schema: opts.schema,
    graphqlEndpoint: GRAPHQL_PATH,
    healthCheckEndpoint: HEALTH_PATH,
    landingPage: false,
    // Multipart is for file uploads, which this API has none of; forms are refused by useJsonOnly.
    multipart: false,
    // Yoga's default echoes any Origin with credentials; only listed origins get CORS headers, and
    // never with credentials (the gate has already refused every other foreign Origin).
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin && corsOrigins.has(origin)
        ? {
            origin: [origin],
            credentials: false,
            methods: ['GET', 'POST'],
            allowedHeaders: ['authorization', 'content-type', 'accept', 'x-request-id'],
            exposedHeaders: ['x-request-id'],
            maxAge: 600,
          }
        : false;
    },
    // Served from split, cached local files by useGraphiQL instead (graphiql.ts).
    graphiql: false,
    logging: {
      debug: (...args: unknown[]) => log.debug({ yoga: args }, 'yoga'),
      info: (...args: unknown[]) => log.info({ yoga: args }, 'yoga'),
      warn: (...args: unknown[]) => log.warn({ yoga: args }, 'yoga'),
      error: (...args: unknown[]) => log.error({ yoga: args }, 'yoga'),
    },
    maskedErrors: {
      maskError: (error) =>
        mapError(error, (internal) => log.error({ err: internal }, 'unexpected error in an operation')),
    },
    context: (initial) => {
      const ctx = initial as ServerContext;
      const caller = identify(headerReader(ctx), ctx.connectionParams ?? {});
      // An SSE response holds a slot of its caller and address until it closes (WebSockets: server.ts).
      if (ctx.request && ctx.res && isEventStream(ctx.request)) {
        const address = ctx.req?.socket?.remoteAddress ?? 'unknown';
        const opened = streams.open(identityKey(caller, address), address, true);
        if (opened.refusal) {
          const { code, message, limit } = opened.refusal;
          throw createGraphQLError(message, {
            extensions: {
              code,
              limit,
              http: { status: 429, headers: { 'retry-after': String(STREAM_RETRY_AFTER_SECONDS) } },
            },
          });
        }
        ctx.res.once('close', opened.release);
      }
      return opts.context(caller);
    },
    plugins: [
      // First, so every later hook and the response see the request id.
      useOperationLog(log),
      ...(opts.metrics ? [useMetricsEndpoint(opts.metrics)] : []),
      ...(opts.graphiql === false
        ? []
        : [
            useGraphiQL({
              endpoint: GRAPHQL_PATH,
              subscriptionsProtocol: 'WS',
              defaultQuery: DEFAULT_QUERY,
              title: 'fleet-graph',
            }),
          ]),
      useJsonOnly(),
      ...limitPlugins(limits),
      useReadinessCheck({
        endpoint: READY_PATH,
        check: () => {
          const r = opts.readiness();
          // A thrown error becomes a 503 whose body is the message: the reason, for humans and probes.
          if (!r.ready) throw new Error(r.reason ?? 'not ready');
          return true;
        },
      }),
      ...(opts.introspection === false ? [noIntrospection()] : []),
      ...(opts.plugins ?? []),
    ],
  });
  internals.set(app, { identify, streams });
  return app;
}
