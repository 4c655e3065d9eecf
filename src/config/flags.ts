/**
 * The command-line surface: the commands, one row per setting (flag, environment variable, help
 * text, commands it applies to, default) and the help text printed from those rows. Validation of
 * the values lives with the schema in ../config.ts.
 */

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
export const BOOLEAN_SETTINGS: ReadonlySet<string> = new Set(['insecure-allow-anonymous']);

export type SettingName = keyof typeof SETTINGS;

/** What a setting is when neither its flag nor its environment variable gives it. */
export const DEFAULTS: Record<SettingName, string> = {
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

/** Comma-separated settings, for which empty means an empty list. */
export const LISTS = new Set<SettingName>(['namespaces', 'auth-audiences', 'cors-origins', 'allowed-hosts']);

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
