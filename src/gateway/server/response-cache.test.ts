import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';
import { REQUEST_ID_HEADER } from './observability.js';
import { ResponseCache } from './response-cache.js';

/**
 * A yoga app behind node:http with the cache in front, as server.ts wires it. Resolvers count
 * their runs, so a test sees whether an answer was computed or served from memory.
 */
async function start(opts: { scope?: (user: string | undefined) => string | undefined } = {}) {
  const hits: { requestId: string; operation: string | null }[] = [];
  const state = { version: 1, now: 0, runs: 0, value: 'a', release: () => {}, gate: Promise.resolve() };
  const hold = () => {
    state.gate = new Promise<void>((resolve) => (state.release = resolve));
  };
  const cache = new ResponseCache({
    version: () => String(state.version),
    now: () => state.now,
    maxAgeMs: 250,
    onHit: (h) => hits.push(h),
    scope: (req) => {
      const user = req.headers['x-user'] as string | undefined;
      return opts.scope ? opts.scope(user) : (user ?? 'anonymous');
    },
  });
  const yoga = createYoga<{ req: { headers: Record<string, unknown> } }>({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Query {
          value: String
          whoami: String
          fails: String
          slow: String
          slowFails: String
        }
        type Mutation {
          bump: Int
        }
      `,
      resolvers: {
        Query: {
          value: () => {
            state.runs++;
            return state.value;
          },
          whoami: (_r: unknown, _a: unknown, ctx: { req: { headers: Record<string, unknown> } }) => {
            state.runs++;
            const user = ctx.req.headers['x-user'];
            return typeof user === 'string' ? user : 'nobody';
          },
          fails: () => {
            state.runs++;
            throw new Error('no');
          },
          slow: async () => {
            state.runs++;
            await state.gate;
            return state.value;
          },
          slowFails: async () => {
            state.runs++;
            await state.gate;
            throw new Error('no');
          },
        },
        Mutation: {
          bump: () => ++state.runs,
        },
      },
    }),
    plugins: [cache.plugin()],
    logging: false,
  });
  const server: Server = createServer((req, res) => {
    if (cache.handle(req, res, () => void yoga.requestListener(req, res))) return;
    void yoga.requestListener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const post = async (query: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, headers: res.headers, body: await res.text() };
  };
  return { state, cache, post, url, hold, hits };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

describe('ResponseCache', () => {
  it('answers a repeated query from memory with the same bytes and headers, and a fresh request id', async () => {
    const { state, cache, post, hits } = await start();
    const first = await post('query Value { value }');
    const second = await post('query Value { value }', { [REQUEST_ID_HEADER]: 'mine-1' });
    expect(first.body).toBe('{"data":{"value":"a"}}');
    expect(second.body).toBe(first.body);
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(second.headers.get(REQUEST_ID_HEADER)).toBe('mine-1');
    expect(state.runs).toBe(1);
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1, stored: 1 });
    expect(hits).toEqual([{ requestId: 'mine-1', operation: 'Value' }]);
  });

  it('recomputes once the version changes, and once the answer is older than the bound', async () => {
    const { state, post } = await start();
    await post('{ value }');
    state.version = 2;
    state.value = 'b';
    expect((await post('{ value }')).body).toBe('{"data":{"value":"b"}}');
    expect(state.runs).toBe(2);
    state.value = 'c';
    state.now = 251;
    expect((await post('{ value }')).body).toBe('{"data":{"value":"c"}}');
    expect(state.runs).toBe(3);
  });

  it('never shares an answer between callers of different scopes', async () => {
    const { state, post } = await start();
    const alice = await post('{ whoami }', { 'x-user': 'alice' });
    const bob = await post('{ whoami }', { 'x-user': 'bob' });
    const aliceAgain = await post('{ whoami }', { 'x-user': 'alice' });
    expect(alice.body).toBe('{"data":{"whoami":"alice"}}');
    expect(bob.body).toBe('{"data":{"whoami":"bob"}}');
    expect(aliceAgain.body).toBe(alice.body);
    expect(state.runs).toBe(2);
  });

  it('leaves a request without a scope to the app, every time', async () => {
    const { state, cache, post } = await start({ scope: (user) => user });
    await post('{ value }');
    await post('{ value }');
    expect(state.runs).toBe(2);
    expect(cache.stats.bypassed).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('keeps no answer with errors and no mutation', async () => {
    const { state, cache, post } = await start();
    const failed = await post('{ fails }');
    expect(JSON.parse(failed.body)).toMatchObject({ errors: [{}] });
    await post('{ fails }');
    await post('mutation { bump }');
    const bumped = await post('mutation { bump }');
    expect(JSON.parse(bumped.body)).toEqual({ data: { bump: 4 } });
    expect(state.runs).toBe(4);
    expect(cache.size).toBe(0);
  });

  it('passes GET, event streams and bodies over the bound to the app unread', async () => {
    const { state, cache, post, url } = await start();
    const get = await fetch(`${url}?query=${encodeURIComponent('{ value }')}`);
    expect(await get.json()).toEqual({ data: { value: 'a' } });
    const big = `{ value ${' '.repeat(20_000)}}`;
    await post(big);
    await post(big);
    expect(state.runs).toBe(3);
    expect(cache.stats).toMatchObject({ hits: 0, misses: 0, stored: 0 });
  });

  it('runs a query once for requests that arrive while its answer is being computed', async () => {
    const { state, cache, post, hold } = await start();
    hold();
    const answers = Promise.all(Array.from({ length: 5 }, () => post('{ slow }')));
    await expect.poll(() => cache.stats.waited).toBe(4);
    state.release();
    const bodies = (await answers).map((a) => a.body);
    expect(new Set(bodies)).toEqual(new Set(['{"data":{"slow":"a"}}']));
    expect(state.runs).toBe(1);
  });

  it('sends every waiter to the app when the answer it waited for cannot be reused', async () => {
    const { state, cache, post, hold } = await start();
    hold();
    const answers = Promise.all(Array.from({ length: 3 }, () => post('{ slowFails }')));
    await expect.poll(() => cache.stats.waited).toBe(2);
    state.release();
    for (const a of await answers) expect(JSON.parse(a.body)).toMatchObject({ errors: [{}] });
    expect(state.runs).toBe(3);
    expect(cache.size).toBe(0);
  });
});
