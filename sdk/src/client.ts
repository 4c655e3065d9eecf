/**
 * A thin typed client for fleet-graph: queries and mutations over HTTP, subscriptions over
 * graphql-ws (WebSocket) or Server-Sent Events (graphql-sse). Every operation is a generated
 * `TypedDocumentString` (sdk/src/gql/), so results and variables are typed and no `graphql`
 * package is needed at run time. Authentication is a Kubernetes bearer token, sent the same way on
 * every transport.
 */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';

export type Document<R, V> = DocumentTypeDecoration<R, V> & { toString(): string };

/** The variables argument: optional when the operation has no required variables. */
type VariablesArg<V> = Record<string, never> extends V ? [variables?: V] : [variables: V];

export interface FleetGraphClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** A Kubernetes bearer token (e.g. `kubectl create token … --audience fleet-graph`). */
  token?: string;
  /** Extra HTTP headers on every request and on the WebSocket handshake. */
  headers?: Record<string, string>;
}

export interface SubscribeOptions {
  /** `ws` (graphql-ws, one socket for all subscriptions) or `sse` (one HTTP stream each). */
  transport?: 'ws' | 'sse';
}

export interface GraphQLErrorShape {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/** The operation failed: GraphQL errors (with their stable `extensions.code`) or an HTTP status. */
export class FleetGraphRequestError extends Error {
  constructor(
    message: string,
    readonly errors: readonly GraphQLErrorShape[],
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FleetGraphRequestError';
  }

  /** The codes of the errors, e.g. ['FORBIDDEN'] or ['INVALID_ARGUMENT']. */
  get codes(): string[] {
    return this.errors.map((e) => {
      const code = e.extensions?.code;
      return typeof code === 'string' ? code : 'UNKNOWN';
    });
  }
}

interface ExecutionResult<R> {
  data?: R | null;
  errors?: readonly GraphQLErrorShape[];
}

function unwrap<R>(result: ExecutionResult<R>, status?: number): R {
  if (result.errors?.length || result.data == null) {
    const errors = result.errors ?? [];
    const message = errors.map((e) => e.message).join('; ') || `no data (HTTP ${status ?? '?'})`;
    throw new FleetGraphRequestError(message, errors, status);
  }
  return result.data;
}

export interface FleetGraphClient {
  /** Runs a query or mutation and returns its data; throws FleetGraphRequestError on errors. */
  request<R, V>(document: Document<R, V>, ...variables: VariablesArg<V>): Promise<R>;
  /** Subscribes; iterate the result, and `return()` (or `break`) to unsubscribe. */
  subscribe<R, V>(
    document: Document<R, V>,
    variables?: V,
    options?: SubscribeOptions,
  ): AsyncIterableIterator<R>;
  /** Closes the shared WebSocket and SSE clients. */
  close(): Promise<void>;
}

export function createFleetGraphClient(options: FleetGraphClientOptions): FleetGraphClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let ws: WsClient | undefined;
  let sse: SseClient | undefined;

  const wsClient = () => {
    if (ws) return ws;
    const wsUrl = options.url.replace(/^http/, 'ws');
    // The token goes both on the upgrade request (where an HTTP proxy or the gateway's gate sees
    // it) and in connectionParams (where graphql-ws servers conventionally read it).
    class AuthWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    }
    ws = createWsClient({
      url: wsUrl,
      webSocketImpl: AuthWebSocket,
      connectionParams: headers.authorization ? { authorization: headers.authorization } : {},
      lazy: true,
      retryAttempts: 0,
    });
    return ws;
  };

  const sseClient = () => {
    sse ??= createSseClient({ url: options.url, headers, retryAttempts: 0 });
    return sse;
  };

  return {
    async request<R, V>(document: Document<R, V>, ...[variables]: VariablesArg<V>): Promise<R> {
      const res = await fetch(options.url, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
        },
        body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
      });
      const text = await res.text();
      let body: ExecutionResult<R>;
      try {
        body = JSON.parse(text) as ExecutionResult<R>;
      } catch {
        throw new FleetGraphRequestError(`HTTP ${res.status}: ${text.slice(0, 200)}`, [], res.status);
      }
      return unwrap(body, res.status);
    },

    subscribe<R, V>(
      document: Document<R, V>,
      variables?: V,
      opts: SubscribeOptions = {},
    ): AsyncIterableIterator<R> {
      const payload = { query: document.toString(), variables: (variables ?? {}) as Record<string, unknown> };
      const source: AsyncIterableIterator<ExecutionResult<R>> =
        opts.transport === 'sse'
          ? (sseClient().iterate(payload) as AsyncIterableIterator<ExecutionResult<R>>)
          : (wsClient().iterate(payload) as AsyncIterableIterator<ExecutionResult<R>>);
      const iterator: AsyncIterableIterator<R> = {
        async next() {
          const step = await source.next();
          if (step.done) return { done: true, value: undefined };
          return { done: false, value: unwrap(step.value) };
        },
        async return() {
          await source.return?.();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },

    async close() {
      sse?.dispose();
      await ws?.dispose();
    },
  };
}
