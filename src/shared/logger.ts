/**
 * Structured JSON logs (pino). Human-readable in a terminal when pino-pretty is installed (a
 * development dependency); JSON otherwise. Secrets never reach the log: tokens, authorization
 * headers and connection params are redacted wherever they appear.
 */
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import { currentRequestId } from './request-scope.js';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** `pretty` forces human-readable output, `json` forces JSON, `auto` picks by TTY. */
  readonly format?: 'auto' | 'pretty' | 'json';
  readonly name?: string;
}

const REDACT = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'connectionParams',
  '*.connectionParams',
  'password',
  '*.password',
];

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** Lines written while an operation runs carry its request id (the caller is given it too). */
export function requestIdMixin(): { requestId?: string } {
  const requestId = currentRequestId();
  return requestId === undefined ? {} : { requestId };
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY && prettyAvailable());
  return pino({
    name: opts.name ?? 'fleet-graph',
    level: opts.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    mixin: requestIdMixin,
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  });
}

/** A logger that drops everything: the default in tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
