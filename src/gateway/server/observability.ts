/**
 * Operation logs and the /metrics endpoint, as yoga plugins.
 *
 * Logs: one line per GraphQL operation when it ends (queries and mutations when executed,
 * subscriptions when the stream ends), with a request id, the operation name and type, the
 * duration, the caller and the error codes: at info, or debug for introspection (GraphiQL sends
 * it on every load). Over HTTP the request id is the caller's `x-request-id` when it sends a sane
 * one, else a new UUID, and it is echoed in the response's `x-request-id` header; each WebSocket
 * operation gets its own. Only these fields are logged, never headers, variables or connection
 * params (which may carry tokens); the logger's redaction list is the second line of defence.
 *
 * The metrics text comes from a function handed in by the gateway's composition: the server does
 * not know what is measured.
 */
import { randomUUID } from 'node:crypto';
import { getOperationAST, GraphQLError, Kind, type DocumentNode, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { FleetGraphError, truncate } from '../../shared/errors.js';
import { inRequestScope } from '../../shared/request-scope.js';
import type { Logger } from '../../shared/logger.js';
import type { Caller } from '../graphql/index.js';

export const METRICS_PATH = '/metrics';
export const REQUEST_ID_HEADER = 'x-request-id';

/** The text a Prometheus scrape gets. */
export interface MetricsText {
  readonly contentType: string;
  readonly body: string;
}

/** What we accept as a caller's request id: short, and nothing that could forge a log line. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | null | undefined): string {
  return header && SANE_ID.test(header) ? header : randomUUID();
}

interface OperationContext {
  readonly request?: Request;
  readonly caller?: Caller;
}

function callerName(caller: Caller | undefined): string {
  return caller?.kind === 'user' ? caller.name : 'anonymous';
}

function codes(errors: readonly GraphQLError[] | undefined, fallback = 'INTERNAL'): string[] | undefined {
  if (!errors || errors.length === 0) return undefined;
  return errors.map((e) => {
    const code = e.extensions?.['code'];
    if (typeof code === 'string') return code;
    // Execution errors are mapped to their codes only when the response is formatted.
    return e.originalError instanceof FleetGraphError ? e.originalError.code : fallback;
  });
}

const MAX_LOGGED_NAME = 128;

function truncateName(name: string | null | undefined): string | null {
  if (name == null) return null;
  return name.length > MAX_LOGGED_NAME ? `${name.slice(0, MAX_LOGGED_NAME)}…` : name;
}

function describe(args: ExecutionArgs) {
  const op = getOperationAST(args.document, args.operationName);
  const fields = op?.selectionSet.selections ?? [];
  const introspection =
    fields.length > 0 && fields.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
  return {
    // Names come from callers and have no length limit in GraphQL: bounded before they reach a log.
    operation: truncateName(op?.name?.value ?? args.operationName ?? null),
    type: op?.operation ?? 'query',
    introspection,
  };
}

/** Request ids for HTTP requests, and one log line per GraphQL operation. */
export function useOperationLog(log: Logger): Plugin {
  const ids = new WeakMap<Request, string>();
  const idOf = (ctx: OperationContext) => (ctx.request ? ids.get(ctx.request) : undefined) ?? randomUUID();
  const transportOf = (ctx: OperationContext) => (ctx.request ? 'http' : 'websocket');
  const line = (args: ExecutionArgs, requestId: string, start: number, extra: Record<string, unknown>) => {
    const ctx = (args.contextValue ?? {}) as OperationContext;
    const d = describe(args);
    const entry = {
      requestId,
      operation: d.operation,
      type: d.type,
      transport: transportOf(ctx),
      caller: callerName(ctx.caller),
      durationMs: Math.round((performance.now() - start) * 1000) / 1000,
      ...extra,
    };
    if (d.introspection) log.debug(entry, 'graphql operation');
    else log.info(entry, 'graphql operation');
  };
  return {
    onRequest({ request }) {
      ids.set(request, requestIdFrom(request.headers.get(REQUEST_ID_HEADER)));
    },
    onResponse({ request, response }) {
      const id = ids.get(request);
      if (id) response.headers.set(REQUEST_ID_HEADER, id);
    },
    onValidate({ params, context }) {
      const start = performance.now();
      return ({ valid, result }) => {
        if (valid) return;
        // Never executed: this is the operation's only line.
        const ctx = context as OperationContext;
        const args = { document: params.documentAST as DocumentNode, contextValue: ctx } as ExecutionArgs;
        const errors = result
          .map((e) => (e instanceof GraphQLError ? e : undefined))
          .filter((e) => e !== undefined);
        line(args, idOf(ctx), start, { errors: codes(errors, 'GRAPHQL_VALIDATION_FAILED') });
      };
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const a = args as ExecutionArgs;
      const requestId = idOf(a.contextValue ?? {});
      const start = performance.now();
      // Every line logged while it runs (a refused write's detail, say) carries the request id.
      const scoped = (x: Parameters<typeof executeFn>[0]) =>
        inRequestScope(requestId, () => executeFn(x) as unknown);
      setExecuteFn(scoped as typeof executeFn);
      const mutation = describe(a).type === 'mutation';
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) return;
          line(a, requestId, start, { errors: codes(result.errors) });
          // The caller gets the id the log lines carry: on every error, and on every mutation
          // (whose refusals come back as userErrors), over HTTP, SSE and WebSocket alike.
          if (mutation || (result.errors?.length ?? 0) > 0)
            setResult({ ...result, extensions: { ...result.extensions, requestId } });
        },
      };
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const a = args as ExecutionArgs;
      const requestId = idOf(a.contextValue ?? {});
      const start = performance.now();
      const scoped = (x: Parameters<typeof subscribeFn>[0]) =>
        inRequestScope(requestId, () => subscribeFn(x) as unknown);
      setSubscribeFn(scoped as typeof subscribeFn);
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) {
            line(a, requestId, start, { errors: codes(result.errors) });
            return;
          }
          let events = 0;
          return {
            onNext() {
              events++;
            },
            onEnd() {
              line(a, requestId, start, { events });
            },
          };
        },
        onSubscribeError({ error }) {
          line(a, requestId, start, { errors: ['INTERNAL'], error: truncate((error as Error).message) });
        },
      };
    },
  };
}

/** Serves `render()` at GET /metrics (Prometheus text format). */
export function useMetricsEndpoint(render: () => Promise<MetricsText>): Plugin {
  return {
    async onRequest(payload) {
      const { request, url, fetchAPI } = payload;
      if (url.pathname !== METRICS_PATH) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        payload.endResponse(
          new fetchAPI.Response('method not allowed\n', { status: 405, headers: { allow: 'GET' } }),
        );
        return;
      }
      const { contentType, body } = await render();
      payload.endResponse(
        new fetchAPI.Response(body, { status: 200, headers: { 'content-type': contentType } }),
      );
    },
  };
}
