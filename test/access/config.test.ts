/** The authentication mode a gateway starts in, and the one combination it refuses. */
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, loadConfig } from '../../src/config.js';

const serve = (...args: string[]) => loadConfig(['serve', ...args], {});

describe('--auth', () => {
  it('defaults to none on a loopback address and to kubernetes elsewhere, whatever the backend', () => {
    expect(serve().auth).toBe('none');
    expect(serve('--host', '::1').auth).toBe('none');
    expect(serve('--host', '0.0.0.0').auth).toBe('kubernetes');
    expect(serve('--host', '10.0.0.5', '--backend', 'in-cluster').auth).toBe('kubernetes');
    expect(serve('--host', '127.0.0.1', '--auth', 'kubernetes').auth).toBe('kubernetes');
    expect(loadConfig(['serve'], { FLEET_GRAPH_HOST: '0.0.0.0' }).auth).toBe('kubernetes');
  });

  it('refuses --auth none on a non-loopback host in one line naming the flag, unless told it is intended', () => {
    let message = '';
    try {
      serve('--host', '0.0.0.0', '--auth', 'none');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('--insecure-allow-anonymous');
    expect(message).not.toContain('\n');
    expect(serve('--host', '0.0.0.0', '--auth', 'none', '--insecure-allow-anonymous').auth).toBe('none');
    expect(
      loadConfig(['serve', '--host', '0.0.0.0', '--auth', 'none'], {
        FLEET_GRAPH_INSECURE_ALLOW_ANONYMOUS: 'true',
      }).insecureAllowAnonymous,
    ).toBe(true);
  });

  it('reads audiences and cache times, and rejects a mode it does not know', () => {
    const c = serve(
      '--auth-audiences',
      'fleet-graph, other',
      '--auth-cache-seconds',
      '3',
      '--access-cache-seconds',
      '0',
    );
    expect(c.authAudiences).toEqual(['fleet-graph', 'other']);
    expect(c.authCacheSeconds).toBe(3);
    expect(c.accessCacheSeconds).toBe(0);
    expect(serve().authAudiences).toEqual([]);
    expect(() => serve('--auth', 'basic')).toThrow(/--auth/);
  });

  it('knows which addresses are loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.1.1.1', 'fleet-graph.example'])
      expect(isLoopbackHost(h)).toBe(false);
  });
});
