/**
 * The example operations in schema/operations/ (also shown in the README) stay valid: each one
 * validates against the schema and runs over the fixture fleet without errors.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/gateway/graphql/index.js';
import { DEFAULT_QUERY } from '../../src/gateway/server/index.js';
import { demoSnapshot, WS } from './fixtures.js';
import { appOver, post } from './support.js';

const dir = new URL('../../schema/operations/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.graphql'));

const VARIABLES: Record<string, Record<string, unknown>> = {
  GitRepoReach: { namespace: WS, name: 'app' },
  ClusterView: { namespace: WS, name: 'prod-eu' },
  TargetPreview: { namespace: WS },
  BundleDependencies: { namespace: WS, name: 'app-main' },
};

describe('example operations', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  const { app } = appOver(demoSnapshot());

  it("GraphiQL's default query validates, passes the limits and runs", async () => {
    expect(validate(buildSchema(), parse(DEFAULT_QUERY))).toEqual([]);
    const r = await post(app, { query: DEFAULT_QUERY });
    expect(r.errors).toBeUndefined();
    expect(r.data).toHaveProperty('gitRepos.totalCount', 2);
  });
  for (const file of files) {
    it(`${file} validates and runs`, async () => {
      const query = readFileSync(new URL(file, dir), 'utf8');
      const doc = parse(query);
      expect(validate(buildSchema(), doc)).toEqual([]);
      const name = doc.definitions.flatMap((d) => ('name' in d && d.name ? [d.name.value] : []))[0]!;
      const r = await post(app, { query, variables: VARIABLES[name] ?? {} });
      expect(r.errors).toBeUndefined();
      expect(r.data).toBeTruthy();
    });
  }
});
