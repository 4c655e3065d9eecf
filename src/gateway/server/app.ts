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
import {
  ANONYMOUS,
  mapError,
  type Caller,
  type GraphQLContext,
  type RequestSource,
} from '../graphql/index.js';
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

/** What a bearer token is worth: a user, or a refusal with its reason (logged, never shown). */
export type Authenticated =
  { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly reason: string };

/**
 * Checks the bearer token of a request, connection or stream (`undefined`: none was sent). May
 * throw (the API server cannot answer): the request then fails as UNAVAILABLE.
 */
export type Authenticate = (token: string | undefined) => Promise<Authenticated>;

/** The code and close code of a refused caller (HTTP 401; graphql-ws reserves 4400–4499 for the app). */
export const UNAUTHENTICATED = 'UNAUTHENTICATED';
export const UNAUTHENTICATED_CLOSE_CODE = 4401;

export interface AppOptions {
  readonly schema: GraphQLSchema;
  /** Builds one operation's context for a caller (see graphql/context.ts `createContext`). */
  readonly context: (caller: Caller, source: RequestSource) => GraphQLContext | Promise<GraphQLContext>;
  /**
   * Authentication (`--auth kubernetes`): every GraphQL request must carry
   * `Authorization: Bearer <token>`; one without, or with a bad token, gets HTTP 401 with
   * `extensions.code: UNAUTHENTICATED` and `WWW-Authenticate: Bearer`. Absent (`--auth none`):
   * every caller is anonymous (or whoever `identify` says).
   */
  readonly authenticate?: Authenticate | undefined;
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
   * Plugins that replace how operations run (shared subscription execution), placed before the
   * built-in ones so those still wrap what they install (the operation log's request scope).
   */
  readonly executionPlugins?: readonly Plugin[] | undefined;
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
  /** Set on the WebSocket path: the caller authenticated when the connection was opened. */
  readonly caller?: Caller;
  /** node:http's request (HTTP), or the upgrade request (WebSocket path, see server.ts). */
  readonly req?: {
    headers: Record<string, string | string[] | undefined>;
    socket?: { remoteAddress?: string | undefined };
  };
  /** node:http's response (HTTP only). */
  readonly res?: { once(event: 'close', listener: () => void): unknown };
  readonly connectionParams?: Readonly<Record<string, unknown>>;
}

function sourceOf(ctx: ServerContext, header: HeaderReader): RequestSource {
  return {
    address: ctx.req?.socket?.remoteAddress,
    origin: header('origin'),
    userAgent: header('user-agent'),
  };
}

function headerReader(ctx: ServerContext): HeaderReader {
  if (ctx.request) return (name) => ctx.request!.headers.get(name) ?? undefined;
  const headers = ctx.req?.headers ?? {};
  return (name) => {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  };
}

/** The body and headers of a 401: a GraphQL error response, so clients handle it like any other. */
export function unauthenticatedResponse(fetchAPI: { Response: typeof Response }): Response {
  return new fetchAPI.Response(
    JSON.stringify({
      errors: [
        {
          message: 'Authentication required: send Authorization: Bearer <token> (a Kubernetes token).',
          extensions: { code: UNAUTHENTICATED },
        },
      ],
    }),
    {
      status: 401,
      headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' },
    },
  );
}

function unavailable(message: string) {
  return createGraphQLError(message, { extensions: { code: 'UNAVAILABLE', http: { status: 503 } } });
}

const isEventStream = (request: Request) =>
  (request.headers.get('accept') ?? '').includes('text/event-stream');

/**
 * Authenticates every GraphQL request over HTTP (queries, mutations, SSE) before it is parsed, and
 * remembers the caller for the context. GraphiQL's page, /healthz, /readyz and /metrics are served
 * before this hook runs, so they need no token.
 */
function useAuthentication(
  authenticate: Authenticate,
  callers: WeakMap<Request, Caller>,
  streams: StreamLimiter,
  log: Logger,
): Plugin {
  return {
    async onRequest(args) {
      const { request, url, fetchAPI } = args;
      const endResponse = (r: Response) => args.endResponse(r);
      if (url.pathname !== GRAPHQL_PATH) return;
      const token = bearerToken(request.headers.get('authorization'));
      let result: Authenticated;
      try {
        result = await authenticate(token);
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'authentication unavailable');
        endResponse(
          new fetchAPI.Response(
            JSON.stringify({
              errors: [
                { message: 'Authentication is unavailable; retry.', extensions: { code: 'UNAVAILABLE' } },
              ],
            }),
            { status: 503, headers: { 'content-type': 'application/json; charset=utf-8' } },
          ),
        );
        return;
      }
      if (!result.ok) {
        log.info({ reason: result.reason }, 'request refused: not authenticated');
        endResponse(unauthenticatedResponse(fetchAPI));
        return;
      }
      // A stream the caller has no slot for is refused before its body is read (see server.ts).
      if (isEventStream(request)) {
        const address = (args.serverContext as ServerContext).req?.socket?.remoteAddress ?? 'unknown';
        const refusal = streams.refusal(identityKey(result.caller, address), address, true);
        if (refusal) {
          endResponse(
            fetchAPI.Response.json(
              {
                errors: [
                  { message: refusal.message, extensions: { code: refusal.code, limit: refusal.limit } },
                ],
              },
              { status: 429, headers: { 'retry-after': String(STREAM_RETRY_AFTER_SECONDS) } },
            ),
          );
          return;
        }
      }
      callers.set(request, result.caller);
    },
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

/** The token in an `Authorization: Bearer …` value, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
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

export function createApp(opts: AppOptions): App {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const log = opts.logger;
  const identify = opts.identify ?? (() => ANONYMOUS);
  const callers = new WeakMap<Request, Caller>();
  const authenticate = opts.authenticate;
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
      const header = headerReader(ctx);
      const source = sourceOf(ctx, header);
      // Authenticated by the transport (HTTP: useAuthentication; WebSocket: on connect).
      const caller = authenticate
        ? (ctx.caller ?? (ctx.request ? callers.get(ctx.request) : undefined))
        : identify(header, ctx.connectionParams ?? {});
      if (!caller) throw unavailable('The caller was not authenticated.');
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
      return opts.context(caller, source);
    },
    plugins: [
      ...(opts.executionPlugins ?? []),
      // First of the rest, so every later hook and the response see the request id.
      useOperationLog(log),
      ...(opts.metrics ? [useMetricsEndpoint(opts.metrics)] : []),
      ...(opts.graphiql === false
        ? []
        : [
            useGraphiQL({
              endpoint: GRAPHQL_PATH,
              defaultQuery: DEFAULT_QUERY,
              title: 'fleet-graph',
              // With authentication the header editor starts open with the header to fill in. It is
              // not persisted by default, so a token does not outlive the tab.
              ...(authenticate
                ? {
                    headers: JSON.stringify({ Authorization: 'Bearer <token>' }, null, 2),
                    defaultEditorToolsVisibility: 'headers' as const,
                  }
                : {}),
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
      // After the health, readiness and metrics endpoints, which need no token.
      ...(authenticate ? [useAuthentication(authenticate, callers, streams, log)] : []),
      ...(opts.introspection === false ? [noIntrospection()] : []),
      ...(opts.plugins ?? []),
    ],
  });
  internals.set(app, { identify, streams });
  return app;
}
