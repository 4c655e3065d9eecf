/**
 * Freshness on every answer, over HTTP, SSE and graphql-ws alike (an envelop plugin, so every
 * transport runs it): each result gets `extensions.freshness` for the kinds the operation reads,
 * and an operation reading a kind not listed yet waits for it a bounded time, then answers
 * UNAVAILABLE: "I don't know" must never look like "nothing is there".
 */
import { GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../../shared/errors.js';
import { kindsOfOperation, type Freshness, type FreshnessSource } from '../graphql/common/freshness.js';

export interface FreshnessPluginOptions {
  readonly source: FreshnessSource;
  /** How long an operation waits for the kinds it reads to be listed before UNAVAILABLE. */
  readonly syncWaitMs: number;
}

function withFreshness(result: ExecutionResult, freshness: Freshness): ExecutionResult {
  return { ...result, extensions: { ...result.extensions, freshness } };
}

const sameFreshness = (a: Freshness, b: Freshness) =>
  a === b ||
  (a.synced === b.synced &&
    a.stale === b.stale &&
    a.staleSince === b.staleSince &&
    a.staleKinds.length === b.staleKinds.length &&
    a.staleKinds.every((k, i) => b.staleKinds[i] === k));

/** The freshened copy of each subscription result, while its freshness holds. */
const freshened = new WeakMap<ExecutionResult, { freshness: Freshness; result: ExecutionResult }>();

/**
 * A subscription event's result with its freshness. Subscribers that share one execution
 * (graphql/subscriptions/shared.ts) also share this copy while the freshness is the same, so the
 * transport can serialize it once for all of them.
 */
function sharedWithFreshness(result: ExecutionResult, freshness: Freshness): ExecutionResult {
  const known = freshened.get(result);
  if (known && sameFreshness(known.freshness, freshness)) return known.result;
  const made = withFreshness(result, freshness);
  // yoga's SSE writer serializes a result with its own `stringify` when it has one: the JSON of a
  // shared result is then made once for all of its SSE subscribers. Not enumerable, so it is
  // never part of the JSON itself.
  Object.defineProperty(made, 'stringify', { value: stringifyOnce, enumerable: false });
  freshened.set(result, { freshness, result: made });
  return made;
}

const serialized = new WeakMap<object, string>();
function stringifyOnce(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  let json = serialized.get(value);
  if (json === undefined) serialized.set(value, (json = JSON.stringify(value)));
  return json;
}

/**
 * The UNAVAILABLE answer. A query or mutation over HTTP also gets status 503 with Retry-After; a
 * subscription gets it as its one event (SSE and graphql-ws deliver errors in the stream).
 */
function unavailable(
  kinds: readonly string[],
  freshness: Freshness,
  waitedMs: number,
  http: boolean,
): ExecutionResult {
  const error = new GraphQLError(
    `fleet-graph has not listed ${kinds.join(', ')} from the API server yet (waited ${Math.round(waitedMs / 1000)} s); retry later`,
    {
      extensions: {
        code: ErrorCode.UNAVAILABLE,
        ...(http ? { http: { status: 503, headers: { 'Retry-After': '1' } } } : {}),
      },
    },
  );
  return { errors: [error], extensions: { freshness } };
}

export function useFreshness(opts: FreshnessPluginOptions): Plugin {
  const { source } = opts;
  const ready = async (kinds: readonly string[]) =>
    source.report(kinds).synced || (await source.waitSynced(kinds, opts.syncWaitMs));
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const kinds = kindsOfOperation(args.schema as GraphQLSchema, args.document as DocumentNode);
      if (!(await ready(kinds))) {
        setResultAndStopExecution(unavailable(kinds, source.report(kinds), opts.syncWaitMs, true));
        return;
      }
      return {
        onExecuteDone({ result, setResult }) {
          // Queries and mutations give one result; @defer/@stream are not enabled.
          if (!(Symbol.asyncIterator in result)) setResult(withFreshness(result, source.report(kinds)));
        },
      };
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const kinds = kindsOfOperation(args.schema as GraphQLSchema, args.document as DocumentNode);
      if (!(await ready(kinds))) {
        setResultAndStopExecution(unavailable(kinds, source.report(kinds), opts.syncWaitMs, false));
        return;
      }
      return {
        onSubscribeResult() {
          return {
            onNext({ result, setResult }) {
              setResult(sharedWithFreshness(result, source.report(kinds)));
            },
          };
        },
      };
    },
  };
}
