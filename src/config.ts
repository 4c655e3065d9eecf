/**
 * Every setting: a command-line flag and an environment variable each (the table and help text are
 * in config/flags.ts), validated here by one zod schema that reports all problems at once. Nothing
 * else in src/ reads process.env.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ErrorCode, FleetGraphError } from './shared/errors.js';
import {
  BOOLEAN_SETTINGS,
  COMMANDS,
  DEFAULTS,
  LISTS,
  SETTINGS,
  USAGE,
  type SettingName,
} from './config/flags.js';

// Importers keep using this module for the whole configuration surface.
export { COMMANDS, SETTINGS, USAGE, commandOf, usage, type Command } from './config/flags.js';

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
/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1'
  );
}
function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
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
