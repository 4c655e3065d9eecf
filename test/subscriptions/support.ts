/**
 * Subscription clients for tests, over the real transports: the `graphql-ws` client on `ws`, and
 * Server-Sent Events read from a fetch response (`Accept: text/event-stream`).
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export const tuning = {
  backoff: { initialMs: 20, maxMs: 200 },
  minReconnectDelayMs: 10,
  maxReconnectDelayMs: 100,
};

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

export interface WsClient {
  readonly client: Client;
  /** Close events the client saw (code and reason). */
  readonly closes: { code: number; reason: string }[];
  dispose(): Promise<void>;
}

export function wsClient(httpUrl: string): WsClient {
  const closes: { code: number; reason: string }[] = [];
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    on: {
      closed: (e) => {
        const ev = e as { code: number; reason: string };
        closes.push({ code: ev.code, reason: String(ev.reason) });
      },
    },
  });
  return { client, closes, dispose: async () => await client.dispose() };
}

/** One running subscription: what it received so far, its errors, and whether it completed. */
export interface Stream<T> {
  readonly data: T[];
  /** Every result as received, extensions included. */
  readonly results: { data?: unknown; errors?: unknown; extensions?: Record<string, unknown> }[];
  readonly errors: GraphQLFormattedError[][];
  /** Set when the operation failed as a whole (e.g. its socket closed). */
  failure: unknown;
  completed: boolean;
  stop(): void;
}

export function subscribe<T, V>(ws: WsClient, doc: TypedDocumentNode<T, V>, variables?: V): Stream<T> {
  const stream: Stream<T> = {
    data: [],
    results: [],
    errors: [],
    failure: undefined,
    completed: false,
    stop: () => undefined,
  };
  stream.stop = ws.client.subscribe<T>(
    { query: print(doc), variables: variables ?? {} },
    {
      next: (r) => {
        stream.results.push(r as Stream<T>['results'][number]);
        if (r.data) stream.data.push(r.data);
        if (r.errors) stream.errors.push([...r.errors]);
      },
      error: (e) => {
        if (Array.isArray(e)) stream.errors.push(e as GraphQLFormattedError[]);
        else stream.failure = e;
      },
      complete: () => {
        stream.completed = true;
      },
    },
  );
  return stream;
}

/** A raw query string over graphql-ws (for documents codegen must not see: malformed, unknown fields). */
export function subscribeRaw(ws: WsClient, query: string, variables: Record<string, unknown> = {}) {
  const stream: Stream<unknown> = {
    data: [],
    results: [],
    errors: [],
    failure: undefined,
    completed: false,
    stop: () => undefined,
  };
  stream.stop = ws.client.subscribe(
    { query, variables },
    {
      next: (r) => {
        stream.results.push(r as Stream<unknown>['results'][number]);
        if (r.data) stream.data.push(r.data);
        if (r.errors) stream.errors.push([...r.errors]);
      },
      error: (e) => {
        if (Array.isArray(e)) stream.errors.push(e as GraphQLFormattedError[]);
        else stream.failure = e;
      },
      complete: () => {
        stream.completed = true;
      },
    },
  );
  return stream;
}

/** A subscription over Server-Sent Events: fetch with `Accept: text/event-stream`, parsed as it arrives. */
export function subscribeSse<T, V>(httpUrl: string, doc: TypedDocumentNode<T, V>, variables?: V): Stream<T> {
  const abort = new AbortController();
  const stream: Stream<T> = {
    data: [],
    results: [],
    errors: [],
    failure: undefined,
    completed: false,
    stop: () => abort.abort(),
  };
  void (async () => {
    try {
      const res = await fetch(httpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: print(doc), variables: variables ?? {} }),
        signal: abort.signal,
      });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (event === 'complete') stream.completed = true;
          else if (data) {
            const r = JSON.parse(data) as { data?: T; errors?: GraphQLFormattedError[] };
            stream.results.push(r);
            if (r.data) stream.data.push(r.data);
            if (r.errors) stream.errors.push(r.errors);
          }
        }
      }
      stream.completed = true;
    } catch (e) {
      if (!abort.signal.aborted) stream.failure = e;
    }
  })();
  return stream;
}
