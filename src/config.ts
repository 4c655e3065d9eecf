/**
 * Every setting, in one place: a command-line flag and an environment variable each, validated by
 * one zod schema that reports all problems at once. Nothing else in src/ reads process.env.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ErrorCode, FleetGraphError } from './shared/errors.js';

export const COMMANDS = ['serve', 'simulate'] as const;
export type Command = (typeof COMMANDS)[number];

/**
 * One row per setting: flag name, env var, help text (printed by `--help`). The README's settings
 * table is written by hand; test/gateway/readme.test.ts checks it has a row for each of these.
 */
export const SETTINGS = {
  port: { env: 'PORT', help: 'Port to listen on; 0 picks a free one', commands: ['serve', 'simulate'] },
  host: { env: 'FLEET_GRAPH_HOST', help: 'Address to bind', commands: ['serve', 'simulate'] },
  backend: {
    env: 'FLEET_GRAPH_BACKEND',
    help: 'Where Fleet lives: simulator (embedded), kubeconfig or in-cluster',
    commands: ['serve'],
  },
  kubeconfig: { env: 'KUBECONFIG', help: 'Kubeconfig file for --backend kubeconfig', commands: ['serve'] },
  scenario: {
    env: 'FLEET_GRAPH_SCENARIO',
    help: 'Simulator seed: demo, empty or scale',
    commands: ['serve', 'simulate'],
  },
  fixture: {
    env: 'FLEET_GRAPH_FIXTURE',
    help: 'Kubernetes YAML loaded into the simulator at start',
    commands: ['serve', 'simulate'],
  },
  cleanup: {
    env: 'FLEET_GRAPH_CLEANUP',
    help: 'Simulated orphan cleanup: prompt (Fleet v0.12.3+) or legacy (v0.12.0 and older)',
    commands: ['serve', 'simulate'],
  },
  speed: {
    env: 'FLEET_GRAPH_SPEED',
    help: 'Simulated time runs this many times faster than the wall clock',
    commands: ['serve', 'simulate'],
  },
  'scale-clusters': {
    env: 'FLEET_GRAPH_SCALE_CLUSTERS',
    help: 'Clusters in the scale scenario',
    commands: ['serve', 'simulate'],
  },
  'scale-bundles': {
    env: 'FLEET_GRAPH_SCALE_BUNDLES',
    help: 'Bundles in the scale scenario',
    commands: ['serve', 'simulate'],
  },
  'kubeconfig-out': {
    env: 'FLEET_GRAPH_KUBECONFIG_OUT',
    help: 'Write a kubeconfig for the simulator here',
    commands: ['serve', 'simulate'],
  },
  'api-port': {
    env: 'FLEET_GRAPH_API_PORT',
    help: 'Port of the embedded API emulator in serve mode; 0 picks a free one',
    commands: ['serve'],
  },
  namespaces: {
    env: 'FLEET_GRAPH_NAMESPACES',
    help: 'Comma-separated workspaces to watch; empty watches all namespaces',
    commands: ['serve'],
  },
  'replay-buffer': {
    env: 'FLEET_GRAPH_REPLAY_BUFFER',
    help: 'Events kept for subscription resume',
    commands: ['serve'],
  },
  'subscriber-queue': {
    env: 'FLEET_GRAPH_SUBSCRIBER_QUEUE',
    help: 'Events a subscriber may fall behind before it is disconnected',
    commands: ['serve'],
  },
  'subscriptions-per-connection': {
    env: 'FLEET_GRAPH_SUBSCRIPTIONS_PER_CONNECTION',
    help: 'Most subscriptions on one WebSocket connection',
    commands: ['serve'],
  },
  'connections-per-client': {
    env: 'FLEET_GRAPH_CONNECTIONS_PER_CLIENT',
    help: 'Most WebSocket connections from one client address',
    commands: ['serve'],
  },
  'log-level': {
    env: 'FLEET_GRAPH_LOG_LEVEL',
    help: 'fatal, error, warn, info, debug, trace or silent',
    commands: ['serve', 'simulate'],
  },
  'log-format': {
    env: 'FLEET_GRAPH_LOG_FORMAT',
    help: 'auto (pretty on a terminal), pretty or json',
    commands: ['serve', 'simulate'],
  },
  'alert-stale-deployment-seconds': {
    env: 'FLEET_GRAPH_ALERT_STALE_DEPLOYMENT_SECONDS',
    help: 'A stale (orphaned) BundleDeployment alert fires once the finding is this old',
    commands: ['serve'],
  },
  'alert-status-mismatch-seconds': {
    env: 'FLEET_GRAPH_ALERT_STATUS_MISMATCH_SECONDS',
    help: 'A status-mismatch alert fires once the finding is this old',
    commands: ['serve'],
  },
  'agent-checkin-interval-seconds': {
    env: 'FLEET_GRAPH_AGENT_CHECKIN_INTERVAL_SECONDS',
    help: "Fleet's agentCheckinInterval; a cluster silent for twice this long raises an alert",
    commands: ['serve'],
  },
  'ready-stale-seconds': {
    env: 'FLEET_GRAPH_READY_STALE_SECONDS',
    help: '/readyz fails when a watch has received nothing (not even a bookmark) for this long',
    commands: ['serve'],
  },
} as const;

type SettingName = keyof typeof SETTINGS;

const intFrom = (min: number, max: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min).max(max);

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

export const ConfigSchema = z.object({
  command: z.enum(COMMANDS),
  port: intFrom(0, 65535),
  host: z.string().min(1),
  backend: z.enum(['simulator', 'kubeconfig', 'in-cluster']),
  kubeconfig: z.string().optional(),
  scenario: z.enum(['demo', 'empty', 'scale']),
  fixture: z.string().min(1).optional(),
  cleanup: z.enum(['prompt', 'legacy']),
  speed: z.coerce.number({ error: 'must be a number' }).positive('must be greater than 0').max(100_000),
  scaleClusters: intFrom(1, 100_000),
  scaleBundles: intFrom(1, 10_000),
  kubeconfigOut: z.string().min(1).optional(),
  apiPort: intFrom(0, 65535),
  namespaces: csv,
  replayBuffer: intFrom(0, 10_000_000),
  subscriberQueue: intFrom(1, 1_000_000),
  subscriptionsPerConnection: intFrom(1, 10_000),
  connectionsPerClient: intFrom(1, 100_000),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  logFormat: z.enum(['auto', 'pretty', 'json']),
  alertStaleDeploymentSeconds: intFrom(0, 31_536_000),
  alertStatusMismatchSeconds: intFrom(0, 31_536_000),
  agentCheckinIntervalSeconds: intFrom(1, 31_536_000),
  readyStaleSeconds: intFrom(1, 31_536_000),
});

export type Config = z.infer<typeof ConfigSchema>;

const DEFAULTS: Record<SettingName, string> = {
  port: '4000',
  host: '127.0.0.1',
  backend: 'simulator',
  kubeconfig: '',
  scenario: 'demo',
  fixture: '',
  cleanup: 'prompt',
  speed: '1',
  'scale-clusters': '100',
  'scale-bundles': '10',
  'kubeconfig-out': '',
  'api-port': '0',
  namespaces: '',
  'replay-buffer': '10000',
  'subscriber-queue': '1000',
  'subscriptions-per-connection': '100',
  'connections-per-client': '50',
  'log-level': 'info',
  'log-format': 'auto',
  'alert-stale-deployment-seconds': '60',
  'alert-status-mismatch-seconds': '30',
  // Fleet's agentCheckinInterval default (docs/fleet/state.md §5.5).
  'agent-checkin-interval-seconds': '900',
  // Longer than one whole watch (290 s server timeout, which ends with a bookmark at the latest)
  // plus a reconnect: a quiet kind on an API server that bookmarks rarely stays ready.
  'ready-stale-seconds': '360',
};

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export const USAGE = `Usage: fleet-graph <command> [flags]

Commands:
  serve      Run the GraphQL gateway (default backend: the embedded simulator)
  simulate   Run only the Kubernetes API emulator with a simulated Fleet

Flags (each also an environment variable):
${Object.entries(SETTINGS)
  .map(([flag, s]) => `  --${flag.padEnd(16)} ${s.env.padEnd(28)} ${s.help} (${s.commands.join(', ')})`)
  .join('\n')}
  --help`;

/**
 * Reads flags first, then environment variables, then defaults. Throws one INVALID_CONFIG error
 * listing every problem.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Config {
  const options = Object.fromEntries(
    Object.keys(SETTINGS).map((k) => [k, { type: 'string' as const }]),
  ) as Record<SettingName, { type: 'string' }>;
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new FleetGraphError(ErrorCode.INVALID_CONFIG, `${(e as Error).message}\n\n${USAGE}`);
  }
  const [command = 'serve', ...extra] = parsed.positionals;
  const problems: string[] = [];
  if (extra.length > 0) problems.push(`unexpected arguments: ${extra.join(' ')}`);
  const raw: Record<string, unknown> = { command };
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const fromFlag = parsed.values[name];
    const fromEnv = env[SETTINGS[name].env];
    const value = fromFlag ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULTS[name]);
    raw[camel(name)] = value === '' && name !== 'namespaces' ? undefined : value;
  }
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '');
      const flag = Object.keys(SETTINGS).find((f) => camel(f) === key);
      problems.push(
        flag
          ? `--${flag} (${SETTINGS[flag as SettingName].env}): ${issue.message}`
          : `${key}: ${issue.message}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new FleetGraphError(ErrorCode.INVALID_CONFIG, `invalid settings:\n  ${problems.join('\n  ')}`, {
      problems: problems.map((message) => ({ field: '', message })),
    });
  }
  return result.data!;
}
