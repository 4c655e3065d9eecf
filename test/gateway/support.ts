/** Helpers for gateway tests: an app over a fixed snapshot, and typed operations over fetch. */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createReadModel, ConsistencyTracker } from '../../src/gateway/fleet/index.js';
import type { Snapshot } from '../../src/gateway/fleet/rules/read-model.js';
import { buildSchema, createContext, VERSION } from '../../src/gateway/graphql/index.js';
import { createApp, type App, type Readiness } from '../../src/gateway/server/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';

export interface Result<T> {
  readonly status: number;
  readonly data?: T | null;
  readonly errors?: readonly GraphQLFormattedError[];
}

export interface TestApp {
  readonly app: App;
  readonly clock: ManualClock;
  setReadiness(r: Readiness): void;
}

/** An app over one fixed snapshot, with a consistency tracker on a manual clock. */
export function appOver(
  snapshot: Snapshot,
  opts: { limits?: Parameters<typeof createApp>[0]['limits'] } = {},
): TestApp {
  const clock = new ManualClock(snapshot.takenAt);
  const tracker = new ConsistencyTracker({ clock });
  tracker.update(snapshot);
  let readiness: Readiness = { ready: true };
  const app = createApp({
    schema: buildSchema(),
    context: (caller) =>
      createContext({
        readModel: () => createReadModel(snapshot, { tracker, clock }),
        caller,
        version: VERSION,
      }),
    readiness: () => readiness,
    logger: silentLogger(),
    limits: opts.limits,
  });
  return { app, clock, setReadiness: (r) => (readiness = r) };
}

/** Runs a typed operation through the app's fetch (the whole HTTP pipeline, no socket). */
export async function run<T, V>(
  app: { fetch: App['fetch'] } | string,
  doc: TypedDocumentNode<T, V>,
  ...[variables]: V extends Record<string, never> ? [] | [V] : [V]
): Promise<Result<T>> {
  return post<T>(app, { query: print(doc), variables });
}

export async function post<T = unknown>(
  app: { fetch: App['fetch'] } | string,
  body: unknown,
): Promise<Result<T>> {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  };
  const res =
    typeof app === 'string' ? await fetch(app, init) : await app.fetch('http://fleet-graph/graphql', init);
  const json = (await res.json()) as { data?: T | null; errors?: GraphQLFormattedError[] };
  return { status: res.status, ...json };
}

/** The `extensions.code` of each error. */
export function codes(r: Result<unknown>): unknown[] {
  return (r.errors ?? []).map((e) => e.extensions?.['code']);
}
