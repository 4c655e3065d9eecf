/**
 * GraphQL metrics through envelop hooks, so HTTP, SSE and graphql-ws operations are counted alike
 * (yoga runs the same envelop pipeline for all of them; docs/libraries.md §2.2). Labelled by operation
 * name and type, never by URL (an SSE GET carries the whole query in its URL: unbounded). Operation
 * names come from clients, so at most {@link MAX_OPERATION_NAMES} distinct names have their own
 * series at a time; malformed names share `_other`. When the set is full, a new name evicts the
 * least recently used one and its series, so a burst of junk names cannot keep the names real
 * clients use out for good: those come back the next time they run. Errors are counted by their stable `extensions.code`.
 * Subscriptions are counted by root field (a schema name: bounded): active streams and events
 * delivered to clients.
 */
import {
  getOperationAST,
  GraphQLError,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { FleetGraphError } from '../../shared/errors.js';

export const MAX_OPERATION_NAMES = 200;

export interface GraphQLMetrics {
  readonly plugin: Plugin;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

/** The stable code of an error: its `extensions.code`, the domain error's, or `fallback`. */
export function errorCode(e: GraphQLError, fallback = 'INTERNAL'): string {
  const code = e.extensions?.['code'];
  if (typeof code === 'string' && /^[A-Z_]{1,64}$/.test(code)) return code;
  if (e.originalError instanceof FleetGraphError) return e.originalError.code;
  return fallback;
}

function rootField(op: OperationDefinitionNode | null | undefined): string {
  const first = op?.selectionSet.selections[0];
  return first?.kind === Kind.FIELD ? first.name.value : '_unknown';
}

export function registerGraphQLMetrics(registry: Registry): GraphQLMetrics {
  const registers = [registry];
  // Operation name → the label sets of its series, in least-recently-used order (Map keeps insertion order).
  const names = new Map<string, Map<string, () => void>>();
  const evict = (name: string) => {
    for (const remove of names.get(name)?.values() ?? []) remove();
    names.delete(name);
  };
  const label = (op: OperationDefinitionNode | null | undefined, given?: string | null): string => {
    const name = op?.name?.value ?? given ?? '';
    if (name === '') return '_anonymous';
    if (!/^[_A-Za-z][_0-9A-Za-z]{0,127}$/.test(name) || name === '_other' || name === '_anonymous')
      return '_other';
    const series = names.get(name) ?? new Map<string, () => void>();
    names.delete(name);
    if (names.size >= MAX_OPERATION_NAMES) evict(names.keys().next().value!);
    names.set(name, series);
    return name;
  };
  /** Remembers a series of a tracked name, so evicting the name removes it. */
  const track = (operation: string, key: string, remove: () => void) => {
    names.get(operation)?.set(key, remove);
  };
  const duration = new Histogram({
    name: 'fleet_graph_graphql_operation_duration_seconds',
    help: 'Execution time of GraphQL queries and mutations, by operation name and type.',
    labelNames: ['operation', 'type'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const errors = new Counter({
    name: 'fleet_graph_graphql_errors_total',
    help: 'Errors in GraphQL results, by operation name and stable error code (validation included).',
    labelNames: ['operation', 'code'],
    registers,
  });
  const active = new Gauge({
    name: 'fleet_graph_subscriptions_active',
    help: 'Open GraphQL subscriptions, by root field.',
    labelNames: ['subscription'],
    registers,
  });
  const delivered = new Counter({
    name: 'fleet_graph_subscription_events_delivered_total',
    help: 'Subscription results sent to clients, by root field.',
    labelNames: ['subscription'],
    registers,
  });
  const countErrors = (operation: string, list: readonly unknown[] | undefined, fallback = 'INTERNAL') => {
    for (const e of list ?? []) {
      const labels = { operation, code: e instanceof GraphQLError ? errorCode(e, fallback) : fallback };
      errors.inc(labels);
      track(operation, `errors:${labels.code}`, () => errors.remove(labels));
    }
  };

  const plugin: Plugin = {
    onValidate({ params }) {
      return ({ valid, result }) => {
        if (valid) return;
        const op = getOperationAST(params.documentAST as DocumentNode);
        // yoga adds this code to validation errors only later, when it formats the response.
        countErrors(label(op), result, 'GRAPHQL_VALIDATION_FAILED');
      };
    },
    onExecute({ args }) {
      const { document, operationName } = args as ExecutionArgs;
      const op = getOperationAST(document, operationName);
      const operation = label(op, operationName);
      const type = op?.operation ?? 'query';
      const start = performance.now();
      return {
        onExecuteDone({ result }) {
          duration.observe({ operation, type }, (performance.now() - start) / 1000);
          track(operation, `duration:${type}`, () => duration.remove({ operation, type }));
          if (!isAsyncIterable(result)) countErrors(operation, result.errors);
        },
      };
    },
    onSubscribe({ args }) {
      const { document, operationName } = args as ExecutionArgs;
      const op = getOperationAST(document, operationName);
      const operation = label(op, operationName);
      const subscription = rootField(op);
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) {
            countErrors(operation, result.errors);
            return;
          }
          active.inc({ subscription });
          // Resolved once: every delivery counts without looking its series up again.
          const deliveries = delivered.labels({ subscription });
          return {
            onNext({ result: r }) {
              deliveries.inc();
              if (r.errors) countErrors(operation, r.errors);
            },
            onEnd() {
              active.dec({ subscription });
            },
          };
        },
        onSubscribeError({ error }) {
          countErrors(operation, [error]);
        },
      };
    },
  };
  return { plugin };
}
