/**
 * What GraphiQL costs over the wire: a browser's first load (the page and every file it links,
 * brotli bodies as sent) stays under the stated budget, every file is local, hashed and immutable,
 * and a reload that revalidates with ETags moves no body at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, createContext, VERSION } from '../../src/gateway/graphql/index.js';
import {
  createApp,
  GRAPHIQL_CSP,
  GRAPHIQL_FIRST_LOAD_BUDGET_BYTES,
  IMMUTABLE,
  startServer,
  type RunningServer,
} from '../../src/gateway/server/index.js';
import { silentLogger } from '../../src/shared/logger.js';

let server: RunningServer;

beforeAll(async () => {
  const app = createApp({
    schema: buildSchema(),
    context: (caller) => createContext({ readModel: () => undefined as never, caller, version: VERSION }),
    readiness: () => ({ ready: true }),
    logger: silentLogger(),
  });
  server = await startServer({ app, port: 0, host: '127.0.0.1', logger: silentLogger() });
});

afterAll(async () => {
  await server?.stop();
});

interface Load {
  readonly bytes: number;
  readonly etags: Map<string, string>;
  readonly statuses: number[];
}

/** Loads the page and every file it links as a browser would, summing the bodies as sent. */
async function load(encoding: string, etags = new Map<string, string>()): Promise<Load> {
  const statuses: number[] = [];
  const seen = new Map<string, string>();
  let bytes = 0;
  const get = async (url: string) => {
    const etag = etags.get(url);
    const res = await fetch(new URL(url, server.url), {
      headers: {
        accept: 'text/html',
        'accept-encoding': encoding,
        ...(etag ? { 'if-none-match': etag } : {}),
      },
    });
    statuses.push(res.status);
    // What went over the wire: fetch decodes, the header tells the encoded length.
    bytes += res.status === 304 ? 0 : Number(res.headers.get('content-length'));
    if (res.headers.get('etag')) seen.set(url, res.headers.get('etag')!);
    return res;
  };
  const page = await get('/graphql');
  const html = page.status === 200 ? await page.text() : '';
  if (page.status === 200) {
    expect(page.headers.get('content-security-policy')).toBe(GRAPHIQL_CSP);
    expect(page.headers.get('content-encoding')).toBe(encoding);
  }
  const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => u !== 'data:,');
  for (const file of files) {
    expect(file, 'a local, hashed file').toMatch(/^\/graphiql\/[\w.-]+\.[0-9a-f]{16}\.(js|css)$/);
    const res = await get(file);
    await res.arrayBuffer();
    expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
  }
  for (const file of [...etags.keys()].filter((u) => u !== '/graphql' && !files.includes(u))) {
    const res = await get(file);
    await res.arrayBuffer();
  }
  return { bytes, etags: seen, statuses };
}

describe('GraphiQL over the wire', () => {
  it(`stays under ${GRAPHIQL_FIRST_LOAD_BUDGET_BYTES / 1024} KiB on a first load, and a reload with ETags moves no body`, async () => {
    const first = await load('br');
    const gzip = await load('gzip');
    const reload = await load('br', first.etags);
    console.log(
      `GraphiQL first load: ${Math.round(first.bytes / 1024)} KiB brotli, ${Math.round(gzip.bytes / 1024)} KiB gzip, ` +
        `in ${first.statuses.length} requests; reload with ETags: ${reload.bytes} bytes`,
    );
    expect(first.statuses.every((s) => s === 200)).toBe(true);
    // React, ReactDOM, GraphiQL, the start-up script and the stylesheet.
    expect(first.statuses.length).toBe(6);
    expect(first.bytes).toBeLessThan(GRAPHIQL_FIRST_LOAD_BUDGET_BYTES);
    expect(first.bytes).toBeGreaterThan(100 * 1024);
    expect(reload.statuses).toEqual(first.statuses.map(() => 304));
    expect(reload.bytes).toBe(0);
  });

  it('serves the scripts without inline code: the CSP allows same-origin scripts only', async () => {
    expect(GRAPHIQL_CSP).toMatch(/script-src 'self';/);
    expect(GRAPHIQL_CSP).not.toMatch(/script-src[^;]*unsafe/);
    const html = await (await fetch(server.url, { headers: { accept: 'text/html' } })).text();
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]!.trim());
    expect(inline).toEqual(['type="application/json" id="graphiql-options"']);
  });
});
