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
  'token-auth-file': {
    env: 'FLEET_GRAPH_TOKEN_AUTH_FILE',
    help: 'Static token file of the API emulator (kube-apiserver format: token,user,uid,"groups")',
    commands: ['serve', 'simulate'],
  },
  'api-audiences': {
    env: 'FLEET_GRAPH_API_AUDIENCES',
    help: "Comma-separated audiences of the API emulator's own tokens; empty means https://kubernetes.default.svc",
    commands: ['serve', 'simulate'],
  },
  'audit-log-path': {
    env: 'FLEET_GRAPH_AUDIT_LOG_PATH',
    help: 'Append the API emulator audit log here (audit.k8s.io/v1 Events, Metadata level, JSON lines)',
    commands: ['serve', 'simulate'],
  },
  'api-port': {
    env: 'FLEET_GRAPH_API_PORT',
    help: 'Port of the embedded API emulator in serve mode; 0 picks a free one',
    commands: ['serve'],
  },
  'api-host': {
    env: 'FLEET_GRAPH_API_HOST',
    help: 'Address the embedded API emulator binds in serve mode (loopback unless set)',
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
  'streams-per-identity': {
    env: 'FLEET_GRAPH_STREAMS_PER_IDENTITY',
    help: 'Most SSE streams and WebSocket connections open at once for one caller (user, else address)',
    commands: ['serve'],
  },
  'streams-per-address': {
    env: 'FLEET_GRAPH_STREAMS_PER_ADDRESS',
    help: 'Most SSE streams and WebSocket connections open at once from one client address',
    commands: ['serve'],
  },
  'max-subscriptions': {
    env: 'FLEET_GRAPH_MAX_SUBSCRIPTIONS',
    help: 'Most subscriptions (SSE and WebSocket) the gateway runs at once',
    commands: ['serve'],
  },
  'cors-origins': {
    env: 'FLEET_GRAPH_CORS_ORIGINS',
    help: 'Comma-separated origins whose browser pages may call the API; empty: none (no CORS)',
    commands: ['serve'],
  },
  'allowed-hosts': {
    env: 'FLEET_GRAPH_ALLOWED_HOSTS',
    help: 'Comma-separated Host names accepted besides the loopback names (DNS rebinding guard)',
    commands: ['serve'],
  },
  graphiql: {
    env: 'FLEET_GRAPH_GRAPHIQL',
    help: 'Serve GraphiQL to browsers at /graphql: true or false',
    commands: ['serve'],
  },
  introspection: {
    env: 'FLEET_GRAPH_INTROSPECTION',
    help: 'Answer introspection queries: true or false',
    commands: ['serve'],
  },
  'metrics-port': {
    env: 'FLEET_GRAPH_METRICS_PORT',
    help: 'Port of /metrics, apart from the API; 0 picks a free one; default 9090, or a free port when 9090 is taken',
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
  auth: {
    env: 'FLEET_GRAPH_AUTH',
    help: 'kubernetes (bearer token checked by TokenReview; reads and writes as the caller) or none; default none on a loopback --host, kubernetes otherwise',
    commands: ['serve'],
  },
  'auth-audiences': {
    env: 'FLEET_GRAPH_AUTH_AUDIENCES',
    help: "Comma-separated token audiences the gateway accepts (TokenReview spec.audiences); empty: the API server's own",
    commands: ['serve'],
  },
  'auth-cache-seconds': {
    env: 'FLEET_GRAPH_AUTH_CACHE_SECONDS',
    help: 'How long a TokenReview answer is reused (a revoked token works at most this long)',
    commands: ['serve'],
  },
  'access-cache-seconds': {
    env: 'FLEET_GRAPH_ACCESS_CACHE_SECONDS',
    help: 'How long a SubjectAccessReview answer is reused (a revoked RoleBinding still shows data at most this long)',
    commands: ['serve'],
  },
  'insecure-allow-anonymous': {
    env: 'FLEET_GRAPH_INSECURE_ALLOW_ANONYMOUS',
    help: "Allow --auth none on a non-loopback --host (anyone who reaches the port reads and writes with the gateway's rights)",
    commands: ['serve'],
  },
  'operation-signing-key-file': {
    env: 'FLEET_GRAPH_OPERATION_SIGNING_KEY_FILE',
    help: 'File holding the key (at least 32 bytes) that signs staged retarget records; every replica must share it. Empty: a random key per process, and a staged retarget started by another process is FAILED here, not resumed',
    commands: ['serve'],
  },
  'sync-wait-seconds': {
    env: 'FLEET_GRAPH_SYNC_WAIT_SECONDS',
    help: 'Before the first full list, an operation waits this long, then answers UNAVAILABLE',
    commands: ['serve'],
  },
  'relist-after-outage-seconds': {
    env: 'FLEET_GRAPH_RELIST_AFTER_OUTAGE_SECONDS',
    help: 'A watch that could not reconnect for this long relists instead of resuming',
    commands: ['serve'],
  },
  'watch-progress-seconds': {
    env: 'FLEET_GRAPH_WATCH_PROGRESS_SECONDS',
    help: 'Every this many seconds, a LIST with limit=1 per watch checks the watch keeps up with the API server; 0: never',
    commands: ['serve'],
  },
  'leader-election': {
    env: 'FLEET_GRAPH_LEADER_ELECTION',
    help: 'true: replicas elect one leader on a Lease to run staged retargets; false: this replica always runs them',
    commands: ['serve'],
  },
  'leader-election-namespace': {
    env: 'FLEET_GRAPH_LEADER_ELECTION_NAMESPACE',
    help: "Namespace of the fleet-graph-leader Lease; empty: the pod's own namespace with --backend in-cluster, else default",
    commands: ['serve'],
  },
  'leader-election-lease-seconds': {
    env: 'FLEET_GRAPH_LEADER_ELECTION_LEASE_SECONDS',
    help: 'How long followers wait after the last observed Lease change before taking over',
    commands: ['serve'],
  },
  'leader-election-renew-seconds': {
    env: 'FLEET_GRAPH_LEADER_ELECTION_RENEW_SECONDS',
    help: 'How long the leader keeps trying to renew before it stops leading',
    commands: ['serve'],
  },
  'leader-election-retry-seconds': {
    env: 'FLEET_GRAPH_LEADER_ELECTION_RETRY_SECONDS',
    help: 'How often replicas try to acquire or renew the Lease',
    commands: ['serve'],
  },
} as const;

/** Settings given as a bare flag (`--insecure-allow-anonymous`) or `true`/`false` in the environment. */
const BOOLEAN_SETTINGS: ReadonlySet<string> = new Set(['insecure-allow-anonymous']);

type SettingName = keyof typeof SETTINGS;

const intFrom = (min: number, max: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min).max(max);

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

const seconds = z.coerce.number({ error: 'must be a number' }).positive('must be greater than 0').max(3600);
const bool = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true');

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
  tokenAuthFile: z.string().min(1).optional(),
  apiAudiences: csv.optional(),
  auditLogPath: z.string().min(1).optional(),
  apiPort: intFrom(0, 65535),
  apiHost: z.string().min(1),
  namespaces: csv,
  replayBuffer: intFrom(0, 10_000_000),
  subscriberQueue: intFrom(1, 1_000_000),
  subscriptionsPerConnection: intFrom(1, 10_000),
  connectionsPerClient: intFrom(1, 100_000),
  streamsPerIdentity: intFrom(1, 100_000),
  streamsPerAddress: intFrom(1, 100_000),
  maxSubscriptions: intFrom(1, 10_000_000),
  corsOrigins: csv.pipe(
    z.array(
      z
        .string()
        .refine((o) => o !== '*', 'a wildcard is not allowed; list the origins')
        .refine((o) => {
          try {
            const u = new URL(o);
            return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
          } catch {
            return false;
          }
        }, 'each origin is scheme://host[:port], no path'),
    ),
  ),
  allowedHosts: csv,
  graphiql: bool,
  introspection: bool,
  metricsPort: intFrom(0, 65535).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  logFormat: z.enum(['auto', 'pretty', 'json']),
  alertStaleDeploymentSeconds: intFrom(0, 31_536_000),
  alertStatusMismatchSeconds: intFrom(0, 31_536_000),
  agentCheckinIntervalSeconds: intFrom(1, 31_536_000),
  readyStaleSeconds: intFrom(1, 31_536_000),
  auth: z.enum(['kubernetes', 'none']).optional(),
  authAudiences: csv,
  authCacheSeconds: intFrom(0, 3600),
  accessCacheSeconds: intFrom(0, 3600),
  insecureAllowAnonymous: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true'),
  operationSigningKeyFile: z.string().min(1).optional(),
  syncWaitSeconds: intFrom(0, 3_600),
  relistAfterOutageSeconds: intFrom(1, 31_536_000),
  watchProgressSeconds: intFrom(0, 3_600),
  leaderElection: z.enum(['true', 'false']).transform((v) => v === 'true'),
  // A DNS-1123 label, as Kubernetes names namespaces.
  leaderElectionNamespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name (DNS-1123 label)')
    .max(63)
    .optional(),
  leaderElectionLeaseSeconds: intFrom(1, 3600),
  leaderElectionRenewSeconds: seconds,
  leaderElectionRetrySeconds: seconds,
});

export type AuthMode = 'kubernetes' | 'none';

export type Config = Omit<z.infer<typeof ConfigSchema>, 'auth'> & {
  /** Resolved: none on a loopback host, kubernetes otherwise, unless set. */
  readonly auth: AuthMode;
};

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
  'token-auth-file': '',
  'api-audiences': '',
  'audit-log-path': '',
  'api-port': '0',
  // The emulator holds every object and a full-access token: never exposed by `--host` alone.
  'api-host': '127.0.0.1',
  namespaces: '',
  'replay-buffer': '10000',
  'subscriber-queue': '1000',
  'subscriptions-per-connection': '100',
  'connections-per-client': '50',
  'streams-per-identity': '50',
  'streams-per-address': '50',
  'max-subscriptions': '10000',
  'cors-origins': '',
  'allowed-hosts': '',
  // On for the embedded default (a developer on loopback); the container image turns both off.
  graphiql: 'true',
  introspection: 'true',
  'metrics-port': '',
  'log-level': 'info',
  'log-format': 'auto',
  'alert-stale-deployment-seconds': '60',
  'alert-status-mismatch-seconds': '30',
  // Fleet's agentCheckinInterval default (docs/fleet/state.md §5.5).
  'agent-checkin-interval-seconds': '900',
  // Longer than one whole watch (290 s server timeout, which ends with a bookmark at the latest)
  // plus a reconnect: a quiet kind on an API server that bookmarks rarely stays ready.
  'ready-stale-seconds': '360',
  auth: '',
  'auth-audiences': '',
  'auth-cache-seconds': '10',
  'access-cache-seconds': '5',
  'insecure-allow-anonymous': 'false',
  'operation-signing-key-file': '',
  'sync-wait-seconds': '10',
  // Long enough that an API server restart or a brief network cut resumes from the
  // resourceVersion; beyond it, whatever happened meanwhile is learnt from a fresh list.
  'relist-after-outage-seconds': '60',
  // One LIST with limit=1 per watched scope every 5 s: a silent watch is noticed within seconds
  // instead of at --ready-stale-seconds, for a cost far below one watch's events.
  'watch-progress-seconds': '5',
  'leader-election': 'true',
  'leader-election-namespace': '',
  // client-go's defaults for core clients (tools/leaderelection).
  'leader-election-lease-seconds': '15',
  'leader-election-renew-seconds': '10',
  'leader-election-retry-seconds': '2',
};

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1'
  );
}

/** Comma-separated settings, for which empty means an empty list. */
const LISTS = new Set<SettingName>(['namespaces', 'auth-audiences', 'cors-origins', 'allowed-hosts']);

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

const COMMAND_HELP: Record<Command, string> = {
  serve: 'Run the GraphQL gateway (default backend: the embedded simulator)',
  simulate: 'Run only the Kubernetes API emulator with a simulated Fleet',
};

function flagLines(command?: Command): string {
  return Object.entries(SETTINGS)
    .filter(([, s]) => command === undefined || (s.commands as readonly string[]).includes(command))
    .map(([flag, s]) => {
      const where = command === undefined ? ` (${s.commands.join(', ')})` : '';
      return `  --${flag.padEnd(16)} ${s.env.padEnd(28)} ${s.help}${where}`;
    })
    .join('\n');
}

/**
 * Help text: the overview with every flag, or one command's own flags
 * (`fleet-graph simulate --help`).
 */
export function usage(command?: Command): string {
  if (command !== undefined) {
    return `Usage: fleet-graph ${command} [flags]

${COMMAND_HELP[command]}

Flags (each also an environment variable):
${flagLines(command)}
  --help`;
  }
  return `Usage: fleet-graph <command> [flags]
       fleet-graph <command> --help

Commands:
${COMMANDS.map((c) => `  ${c.padEnd(10)} ${COMMAND_HELP[c]}`).join('\n')}

Flags (each also an environment variable):
${flagLines()}
  --help`;
}

export const USAGE = usage();

/** The command named on a command line, if it is a known one (for per-command help). */
export function commandOf(argv: readonly string[]): Command | undefined {
  const first = argv.find((a) => !a.startsWith('-'));
  return COMMANDS.find((c) => c === first);
}

/**
 * Reads flags first, then environment variables, then defaults. Throws one INVALID_CONFIG error
 * listing every problem.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Config {
  const options = Object.fromEntries(
    Object.keys(SETTINGS).map((k) => [
      k,
      { type: BOOLEAN_SETTINGS.has(k) ? ('boolean' as const) : ('string' as const) },
    ]),
  ) as Record<SettingName, { type: 'string' | 'boolean' }>;
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
    const flagValue = parsed.values[name];
    const fromFlag = typeof flagValue === 'boolean' ? String(flagValue) : flagValue;
    const fromEnv = env[SETTINGS[name].env];
    const value = fromFlag ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULTS[name]);
    raw[camel(name)] = value === '' && !LISTS.has(name) ? undefined : value;
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
  if (result.success) {
    // client-go's rule: LeaseDuration > RenewDeadline > JitterFactor (1.2) × RetryPeriod.
    const c = result.data;
    if (c.leaderElectionLeaseSeconds <= c.leaderElectionRenewSeconds)
      problems.push('--leader-election-lease-seconds must be greater than --leader-election-renew-seconds');
    if (c.leaderElectionRenewSeconds <= 1.2 * c.leaderElectionRetrySeconds)
      problems.push(
        '--leader-election-renew-seconds must be greater than 1.2 × --leader-election-retry-seconds',
      );
  }
  if (problems.length > 0) {
    throw new FleetGraphError(ErrorCode.INVALID_CONFIG, `invalid settings:\n  ${problems.join('\n  ')}`, {
      problems: problems.map((message) => ({ field: '', message })),
    });
  }
  const data = result.data!;
  const loopback = isLoopbackHost(data.host);
  const auth: AuthMode = data.auth ?? (loopback ? 'none' : 'kubernetes');
  // Anyone who reaches a non-loopback port would read and write with the gateway's own rights.
  if (data.command === 'serve' && auth === 'none' && !loopback && !data.insecureAllowAnonymous)
    throw new FleetGraphError(
      ErrorCode.INVALID_CONFIG,
      `--auth none on non-loopback --host ${data.host} serves every caller anonymously with the gateway's rights; use --auth kubernetes, or add --insecure-allow-anonymous`,
    );
  return { ...data, auth };
}
