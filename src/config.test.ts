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

  it('has client-go leader-election defaults and checks their order', () => {
    expect(loadConfig([], {})).toMatchObject({
      leaderElection: true,
      leaderElectionNamespace: undefined,
      leaderElectionLeaseSeconds: 15,
      leaderElectionRenewSeconds: 10,
      leaderElectionRetrySeconds: 2,
    });
    expect(
      loadConfig(['--leader-election', 'false', '--leader-election-namespace', 'fleet-graph'], {}),
    ).toMatchObject({ leaderElection: false, leaderElectionNamespace: 'fleet-graph' });
    expect(() => loadConfig(['--leader-election-renew-seconds', '20'], {})).toThrow(
      /--leader-election-lease-seconds must be greater than --leader-election-renew-seconds/,
    );
    expect(() => loadConfig([], { FLEET_GRAPH_LEADER_ELECTION_RETRY_SECONDS: '9' })).toThrow(
      /--leader-election-renew-seconds must be greater than 1\.2 × --leader-election-retry-seconds/,
    );
    expect(() => loadConfig([], { FLEET_GRAPH_LEADER_ELECTION_NAMESPACE: 'Bad_NS' })).toThrow(
      /--leader-election-namespace \(FLEET_GRAPH_LEADER_ELECTION_NAMESPACE\): must be a namespace name/,
    );
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
