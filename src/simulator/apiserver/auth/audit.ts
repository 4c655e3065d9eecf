/**
 * An audit log as kube-apiserver's log backend writes it (`--audit-log-path`): one
 * audit.k8s.io/v1 `Event` JSON line per request and stage, at the `Metadata` level — who
 * (`user`), as whom (`impersonatedUser`), what (`verb`, `objectRef`), and how it ended
 * (`responseStatus`). Long-running requests (watches) also log `ResponseStarted`.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Status } from '../../../apis/kube.js';
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import type { RequestInfo } from './attributes.js';
import { userInfoJson } from './reviews.js';
import type { UserInfo } from './tokens.js';

const STATUS = Symbol('auditStatus');

/** Remembers the Status body an error response carried, for `responseStatus`. */
export function noteStatus(res: ServerResponse, status: Status): void {
  (res as ServerResponse & { [STATUS]?: Status })[STATUS] = status;
}

/** A MicroTime: RFC 3339 in UTC with six fractional digits. */
export function microTime(): string {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`;
}

/** What one request's events share; filled in as the request is authenticated and judged. */
export interface AuditRecord {
  user?: UserInfo;
  impersonatedUser?: UserInfo;
  decision?: { allowed: boolean; reason: string };
  /** Failed authentication is logged once, at ResponseStarted, with no user (as apiserver does). */
  failedAuthentication?: boolean;
}

export class AuditLog {
  private readonly stream: WriteStream;

  constructor(file: string) {
    let fd: number;
    try {
      // Opened now, so a path that cannot be written stops the start instead of losing the log.
      fd = openSync(file, 'a', 0o600);
    } catch (e) {
      throw new FleetGraphError(
        ErrorCode.INVALID_CONFIG,
        `cannot open audit log ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    this.stream = createWriteStream('', { fd });
    // A log that cannot be written must not take the server down; the request still completes.
    this.stream.on('error', () => {});
  }

  /** Starts the record of one request; events are written as its response starts and ends. */
  begin(req: IncomingMessage, res: ServerResponse, info: RequestInfo): AuditRecord {
    const record: AuditRecord = {};
    const auditID = randomUUID();
    const received = microTime();
    res.setHeader('Audit-Id', auditID);
    const emit = (stage: 'ResponseStarted' | 'ResponseComplete', code: number) =>
      this.write(this.event(req, res, info, record, { auditID, received, stage, code }));
    if (info.verb === 'watch') {
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
      res.writeHead = (...args: unknown[]) => {
        const code = typeof args[0] === 'number' ? args[0] : res.statusCode;
        if (!record.failedAuthentication) emit('ResponseStarted', code);
        return writeHead(...args);
      };
    }
    res.once('close', () => {
      emit(record.failedAuthentication ? 'ResponseStarted' : 'ResponseComplete', res.statusCode);
    });
    return record;
  }

  private event(
    req: IncomingMessage,
    res: ServerResponse,
    info: RequestInfo,
    record: AuditRecord,
    e: { auditID: string; received: string; stage: string; code: number },
  ): Record<string, unknown> {
    const noted = (res as ServerResponse & { [STATUS]?: Status })[STATUS];
    const responseStatus: Record<string, unknown> = { metadata: {} };
    if (record.failedAuthentication) {
      responseStatus.message = 'Authentication failed, attempted: bearer';
    } else if (noted && noted.code === e.code) {
      responseStatus.status = noted.status;
      if (noted.message) responseStatus.message = noted.message;
      if (noted.reason) responseStatus.reason = noted.reason;
      if (noted.details && Object.keys(noted.details).length > 0) responseStatus.details = noted.details;
    }
    responseStatus.code = e.code;
    const objectRef: Record<string, string> = {};
    if (info.resourceRequest) {
      if (info.resource) objectRef.resource = info.resource;
      if (info.namespace) objectRef.namespace = info.namespace;
      if (info.name) objectRef.name = info.name;
      if (info.apiGroup) objectRef.apiGroup = info.apiGroup;
      if (info.apiVersion) objectRef.apiVersion = info.apiVersion;
      if (info.subresource) objectRef.subresource = info.subresource;
    }
    const annotations: Record<string, string> = {};
    if (record.decision) {
      annotations['authorization.k8s.io/decision'] = record.decision.allowed ? 'allow' : 'forbid';
      annotations['authorization.k8s.io/reason'] = record.decision.reason;
    }
    const ua = req.headers['user-agent'];
    return {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: e.auditID,
      stage: e.stage,
      requestURI: req.url ?? '/',
      verb: info.verb,
      user: record.user ? userInfoJson(record.user) : {},
      ...(record.impersonatedUser ? { impersonatedUser: userInfoJson(record.impersonatedUser) } : {}),
      sourceIPs: sourceIPs(req),
      ...(ua ? { userAgent: ua } : {}),
      ...(info.resourceRequest ? { objectRef } : {}),
      responseStatus,
      requestReceivedTimestamp: e.received,
      stageTimestamp: microTime(),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    };
  }

  private write(ev: Record<string, unknown>): void {
    this.stream.write(`${JSON.stringify(ev)}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}

/** X-Forwarded-For hops, then the peer, as apiserver's `utilnet.SourceIPs`. */
function sourceIPs(req: IncomingMessage): string[] {
  const out: string[] = [];
  const xff = req.headers['x-forwarded-for'];
  if (typeof xff === 'string')
    for (const ip of xff.split(',').map((s) => s.trim())) if (ip && !out.includes(ip)) out.push(ip);
  const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  if (peer && !out.includes(peer)) out.push(peer);
  return out;
}
