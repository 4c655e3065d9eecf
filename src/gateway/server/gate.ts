/**
 * The gate in front of yoga, run by the node:http request handler and the WebSocket upgrade
 * handler alike: yoga's own plugins never see its GraphiQL page, CORS preflights or health checks,
 * and CORS headers alone never stop a request from running (docs/platform.md §0, §1.3).
 *
 * - Host (DNS rebinding): on a loopback bind, or when `allowedHosts` is set, the Host header must be
 *   a loopback name (`localhost`, `127.0.0.1`, `[::1]`, loopback binds only) or an allowed host,
 *   with the server's port or none. Anything else is 421 Misdirected Request.
 * - Origin (cross-site requests): a browser names the page that sent a request. Same origin and
 *   the `corsOrigins` allow-list pass; no Origin (curl, SDKs, probes) passes; any other Origin is
 *   403 on HTTP and SSE. A WebSocket from a foreign Origin is accepted only to be closed at once
 *   with 4403 (graphql-ws' "Forbidden"), which browsers report to the page, unlike a refused upgrade.
 * - Security headers on every response; `Cache-Control: no-store` unless a route sets its own.
 *
 * Health and readiness are exempt: probes use the pod address as Host, and the answers say nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';

export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

export interface GateOptions {
  /** Host names (optionally `name:port`) accepted besides the loopback names. */
  readonly allowedHosts?: readonly string[] | undefined;
  /** Origins other than the server's own whose browser pages may call the API (CORS). */
  readonly corsOrigins?: readonly string[] | undefined;
}

export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** Whether a bind address only listens on loopback. */
export function isLoopbackBind(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Headers every response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  // API answers are data, never a document: nothing in them may load or run.
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
}

function splitHost(host: string): { name: string; port: string | undefined } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.toLowerCase());
  return m ? { name: m[1]!, port: m[2] } : { name: '', port: undefined };
}

export interface Gate {
  /** Why this request (or upgrade) may not go on, or undefined. */
  check(req: IncomingMessage): Refusal | undefined;
  /** Whether `origin` may call the API from a browser page on another origin (CORS). */
  corsAllowed(origin: string | null | undefined): boolean;
}

/**
 * The gate for a server bound to `bindHost`; `port()` is the port it listens on (known once it
 * listens).
 */
export function createGate(bindHost: string, port: () => number, opts: GateOptions = {}): Gate {
  const extra = (opts.allowedHosts ?? []).map((h) => h.toLowerCase());
  const checkHost = isLoopbackBind(bindHost) || extra.length > 0;
  const names = new Set([...(isLoopbackBind(bindHost) ? LOOPBACK_NAMES : []), ...extra]);
  const cors = new Set(opts.corsOrigins ?? []);

  const hostAllowed = (host: string | undefined): boolean => {
    if (!checkHost) return true;
    if (!host) return false;
    const lower = host.toLowerCase();
    if (names.has(lower)) return true;
    const { name, port: p } = splitHost(lower);
    return names.has(name) && (p === undefined || p === String(port()));
  };

  const originAllowed = (origin: string, host: string | undefined): boolean => {
    if (cors.has(origin)) return true;
    try {
      const u = new URL(origin);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host?.toLowerCase();
    } catch {
      // `null` (sandboxed frames, file: pages) and garbage are never same-origin.
      return false;
    }
  };

  return {
    check(req) {
      const host = req.headers.host;
      if (!hostAllowed(host)) {
        return {
          status: 421,
          code: 'MISDIRECTED_REQUEST',
          message: 'This server does not answer for that Host.',
        };
      }
      const origin = req.headers.origin;
      if (origin !== undefined && !originAllowed(origin, host)) {
        return {
          status: 403,
          code: 'FORBIDDEN_ORIGIN',
          message: 'Requests from pages on other origins are not allowed.',
        };
      }
      // Fetch metadata covers the no-Origin cross-site requests browsers still send (images, scripts).
      if (
        origin === undefined &&
        req.headers['sec-fetch-site'] === 'cross-site' &&
        req.headers['sec-fetch-mode'] !== 'navigate'
      ) {
        return {
          status: 403,
          code: 'FORBIDDEN_ORIGIN',
          message: 'Requests from pages on other origins are not allowed.',
        };
      }
      return undefined;
    },
    corsAllowed: (origin) => origin != null && cors.has(origin),
  };
}

/** Writes a refusal as a GraphQL-shaped JSON error; nothing else runs for this request. */
export function refuse(
  res: ServerResponse,
  refusal: Refusal,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(refusal.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] }));
}

/** The same refusal on a raw upgrade socket, before any WebSocket handshake. */
export function refuseUpgrade(socket: NodeJS.WritableStream & { destroy(): void }, refusal: Refusal): void {
  const body = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
  const reason = refusal.status === 421 ? 'Misdirected Request' : 'Forbidden';
  socket.write(
    `HTTP/1.1 ${refusal.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

/** The media types a POST body may have (GraphQL over HTTP; the others are what forms can send). */
export const JSON_MEDIA_TYPES: readonly string[] = ['application/json', 'application/graphql-response+json'];

/**
 * POST bodies must be JSON: forms (urlencoded, multipart, text/plain) can be sent cross-site by any
 * page without a preflight, and `application/graphql` is not in the spec. Anything else is 415 and
 * is never parsed. Runs in yoga's onRequest, before the body is read.
 */
export function useJsonOnly(): Plugin {
  return {
    onRequest(payload) {
      const { request, fetchAPI } = payload;
      if (request.method !== 'POST') return;
      const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (JSON_MEDIA_TYPES.includes(type)) return;
      payload.endResponse(
        fetchAPI.Response.json(
          {
            errors: [
              {
                message: `POST bodies must be ${JSON_MEDIA_TYPES.join(' or ')}.`,
                extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' },
              },
            ],
          },
          { status: 415, headers: { accept: JSON_MEDIA_TYPES.join(', ') } },
        ),
      );
    },
  };
}
