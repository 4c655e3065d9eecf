import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { buildSchema, createContext, VERSION } from '../graphql/index.js';
import { silentLogger } from '../../shared/logger.js';
import { createApp } from './app.js';
import { createGate, isLoopbackBind } from './gate.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('gate', () => {
  const loopback = createGate('127.0.0.1', () => 4000, { corsOrigins: ['https://ui.example'] });

  it('accepts loopback names with the port or none, and refuses other Hosts with 421', () => {
    for (const host of ['localhost:4000', '127.0.0.1:4000', '[::1]:4000', 'localhost'])
      expect(loopback.check(req({ host })), host).toBeUndefined();
    for (const host of ['evil.example:4000', 'localhost:4001', 'localhost.evil.example'])
      expect(loopback.check(req({ host }))?.status, host).toBe(421);
    expect(loopback.check(req({}))?.status).toBe(421);
  });

  it('accepts same origin, listed origins and no Origin; refuses others and null with 403', () => {
    const host = 'localhost:4000';
    expect(loopback.check(req({ host }))).toBeUndefined();
    expect(loopback.check(req({ host, origin: 'http://localhost:4000' }))).toBeUndefined();
    expect(loopback.check(req({ host, origin: 'https://ui.example' }))).toBeUndefined();
    for (const origin of ['https://evil.example', 'null', 'http://localhost:4001'])
      expect(loopback.check(req({ host, origin }))?.status, origin).toBe(403);
    expect(
      loopback.check(req({ host, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }))?.status,
    ).toBe(403);
  });

  it('checks Host on other binds only with --allowed-hosts', () => {
    expect(isLoopbackBind('0.0.0.0')).toBe(false);
    expect(createGate('0.0.0.0', () => 80).check(req({ host: 'anything' }))).toBeUndefined();
    const listed = createGate('0.0.0.0', () => 80, { allowedHosts: ['fleet-graph.example'] });
    expect(listed.check(req({ host: 'fleet-graph.example' }))).toBeUndefined();
    expect(listed.check(req({ host: 'localhost' }))?.status).toBe(421);
  });

  it('sends CORS headers, without credentials, only to listed origins', async () => {
    const app = createApp({
      schema: buildSchema(),
      context: (caller) => createContext({ readModel: () => undefined as never, caller, version: VERSION }),
      readiness: () => ({ ready: true }),
      logger: silentLogger(),
      corsOrigins: ['https://ui.example'],
    });
    const preflight = (origin: string) =>
      app.fetch('http://localhost/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const ok = await preflight('https://ui.example');
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://ui.example');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
