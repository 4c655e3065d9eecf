/** One snapshot per operation: the read model is taken once, lazily, whatever the query touches. */
import { describe, expect, it } from 'vitest';
import { createReadModel } from '../../src/gateway/fleet/index.js';
import { buildSchema, createContext, VERSION } from '../../src/gateway/graphql/index.js';
import { createApp } from '../../src/gateway/server/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { demoSnapshot } from './fixtures.js';
import { post } from './support.js';

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
