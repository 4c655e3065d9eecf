import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { FleetGraphError } from './shared/errors.js';

describe('loadConfig', () => {
  it('defaults to serving the demo scenario on the simulator', () => {
    const c = loadConfig([], {});
    expect(c).toMatchObject({
      command: 'serve',
      backend: 'simulator',
      scenario: 'demo',
      port: 4000,
      cleanup: 'prompt',
    });
  });

  it('prefers flags over the environment', () => {
    const c = loadConfig(['simulate', '--port', '0', '--cleanup', 'legacy'], {
      PORT: '9999',
      FLEET_GRAPH_SPEED: '60',
    });
    expect(c).toMatchObject({ command: 'simulate', port: 0, cleanup: 'legacy', speed: 60 });
  });

  it('splits the namespace list', () => {
    expect(loadConfig(['--namespaces', 'fleet-local, fleet-default'], {}).namespaces).toEqual([
      'fleet-local',
      'fleet-default',
    ]);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig(['--port', 'x', '--cleanup', 'sometimes', '--speed=-1'], {});
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FleetGraphError);
      const msg = (e as Error).message;
      expect(msg).toContain('--port (PORT)');
      expect(msg).toContain('--cleanup (FLEET_GRAPH_CLEANUP)');
      expect(msg).toContain('--speed (FLEET_GRAPH_SPEED)');
    }
  });

  it('rejects unknown flags and commands', () => {
    expect(() => loadConfig(['--nope', '1'], {})).toThrow(/Unknown option/);
    expect(() => loadConfig(['fly'], {})).toThrow(/command/);
  });
});
