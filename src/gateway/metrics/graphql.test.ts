import { createSchema, createYoga } from 'graphql-yoga';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FleetGraphError } from '../../shared/errors.js';
import { MAX_OPERATION_NAMES, registerGraphQLMetrics } from './graphql.js';

function app() {
  const registry = new Registry();
  const { plugin } = registerGraphQLMetrics(registry);
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { ok: Boolean, missing: Boolean }',
      resolvers: {
        Query: {
          ok: () => true,
          missing: () => {
            throw new FleetGraphError(ErrorCode.NOT_FOUND, 'gone');
          },
        },
      },
    }),
    plugins: [plugin],
    logging: false,
  });
  const post = (query: string) =>
    yoga.fetch('http://x/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
  return { registry, post };
}

const names = async (registry: Registry, metric: string) =>
  ((await registry.getSingleMetric(metric)!.get()).values as { labels: Record<string, string> }[]).map(
    (v) => v.labels,
  );

describe('GraphQL operation metrics', () => {
  it('labels by operation name, counts errors by stable code, and never by URL', async () => {
    const { registry, post } = app();
    await post('query Fine { ok }');
    await post('query Broken { missing }');
    await post('{ ok }');
    await post('query Invalid { nope }');
    const text = await registry.metrics();
    expect(text).toContain(
      'fleet_graph_graphql_operation_duration_seconds_count{operation="Fine",type="query"} 1',
    );
    expect(text).toContain(
      'fleet_graph_graphql_operation_duration_seconds_count{operation="_anonymous",type="query"} 1',
    );
    expect(text).toContain('fleet_graph_graphql_errors_total{operation="Broken",code="NOT_FOUND"} 1');
    expect(text).toContain(
      'fleet_graph_graphql_errors_total{operation="Invalid",code="GRAPHQL_VALIDATION_FAILED"} 1',
    );
    expect(text).not.toContain('url=');
  });

  it(`keeps at most ${MAX_OPERATION_NAMES} operation names, evicting the least recently used`, async () => {
    const { registry, post } = app();
    await post('query Real { ok }');
    for (let i = 0; i < MAX_OPERATION_NAMES + 100; i++) await post(`query Op${i} { ok }`);
    let ops = new Set(
      (await names(registry, 'fleet_graph_graphql_operation_duration_seconds')).map((l) => l['operation']),
    );
    expect(ops.size).toBe(MAX_OPERATION_NAMES);
    expect(ops.has('Op0')).toBe(false);
    expect(ops.has(`Op${MAX_OPERATION_NAMES + 99}`)).toBe(true);
    // A name real clients use gets its series back the next time it runs.
    await post('query Real { ok }');
    ops = new Set(
      (await names(registry, 'fleet_graph_graphql_operation_duration_seconds')).map((l) => l['operation']),
    );
    expect(ops.has('Real')).toBe(true);
    expect(ops.size).toBe(MAX_OPERATION_NAMES);
  });
});
