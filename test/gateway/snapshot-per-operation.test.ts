/** One snapshot per operation: the read model is taken once, lazily, whatever the query touches. */
import { describe, expect, it } from 'vitest';
import { createReadModel } from '../../src/gateway/fleet/index.js';
import { buildSchema, createContext, VERSION } from '../../src/gateway/graphql/index.js';
import { createApp } from '../../src/gateway/server/index.js';
import { ErrorCode, FleetGraphError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/logger.js';
import { demoSnapshot } from './fixtures.js';
import { codes, post } from './support.js';

describe('read model per operation', () => {
  it('takes one snapshot for a query across many nouns, and none for version', async () => {
    const snapshot = demoSnapshot();
    let taken = 0;
    const app = createApp({
      schema: buildSchema(),
      context: (caller) =>
        createContext({
          readModel: () => {
            taken++;
            return createReadModel(snapshot);
          },
          caller,
          version: VERSION,
        }),
      readiness: () => ({ ready: true }),
      logger: silentLogger(),
    });
    await post(app, { query: '{ version }' });
    expect(taken).toBe(0);
    const r = await post(app, {
      query:
        '{ gitRepos { edges { node { name bundles { edges { node { targetedClusters { totalCount } } } } } } } clusters { edges { node { groups { name } } } } inconsistencies { totalCount } }',
    });
    expect(r.errors).toBeUndefined();
    expect(taken).toBe(1);
    await post(app, { query: '{ clusters { totalCount } }' });
    expect(taken).toBe(2);
  });
});

describe('identity and authorization seam', () => {
  it('identifies the caller from the request and authorizes reads in one place', async () => {
    const snapshot = demoSnapshot();
    const seen: string[] = [];
    const app = createApp({
      schema: buildSchema(),
      identify: (header) => {
        const user = header('x-forwarded-user');
        return user ? { kind: 'user', name: user, groups: [] } : { kind: 'anonymous' };
      },
      context: (caller) =>
        createContext({
          readModel: () => createReadModel(snapshot),
          caller,
          version: VERSION,
          authorize: (model, who) => {
            seen.push(who.kind === 'user' ? who.name : 'anonymous');
            if (who.kind === 'anonymous') throw new FleetGraphError(ErrorCode.FORBIDDEN, 'sign in first');
            return model;
          },
        }),
      readiness: () => ({ ready: true }),
      logger: silentLogger(),
    });
    const denied = await post(app, { query: '{ clusters { totalCount } }' });
    expect(codes(denied)).toEqual(['FORBIDDEN']);
    const res = await app.fetch('http://fleet-graph/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-user': 'ada' },
      body: JSON.stringify({ query: '{ clusters { totalCount } }' }),
    });
    expect(((await res.json()) as { data: unknown }).data).toEqual({ clusters: { totalCount: 4 } });
    expect(seen).toEqual(['anonymous', 'ada']);
  });
});
