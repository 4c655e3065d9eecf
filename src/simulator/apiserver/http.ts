/**
 * The answer side of the emulator's HTTP face: content negotiation (JSON, YAML, Table or
 * PartialObjectMetadata, chosen from the Accept header as kube-apiserver does) and writing one
 * response or one Status error.
 */
import type { ServerResponse } from 'node:http';
import { stringify as stringifyYaml } from 'yaml';
import type { KubeObject } from '../../apis/kube.js';
import { noteStatus } from './auth/index.js';
import { ApiError, internalError, notAcceptable } from './errors.js';

export type Format = 'json' | 'yaml' | 'table' | 'meta';

export interface Negotiated {
  format: Format;
}

/** Picks the first acceptable media type from the Accept header, as the apiserver's negotiation does. */
export function negotiate(accept: string | undefined, allowTable: boolean): Negotiated {
  if (!accept) return { format: 'json' };
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const p = new Map(params.map((x) => x.split('=', 2) as [string, string]));
    if (type === 'application/json' || type === 'application/*' || type === '*/*') {
      const as = p.get('as');
      if (!as) return { format: 'json' };
      if (p.get('g') !== 'meta.k8s.io' || !['v1', 'v1beta1'].includes(p.get('v') ?? '')) continue;
      if (as === 'Table' && allowTable) return { format: 'table' };
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { format: 'meta' };
      continue;
    }
    if (type === 'application/yaml') return { format: 'yaml' };
  }
  throw notAcceptable();
}

const serialized = new WeakMap<object, string>();
/** Stored objects never change, so each is serialized once. */
export function toJson(o: KubeObject): string {
  let s = serialized.get(o);
  if (s === undefined) {
    s = JSON.stringify(o);
    serialized.set(o, s);
  }
  return s;
}

/** Writes one whole answer; a response whose headers already went out is left alone. */
export function send(
  res: ServerResponse,
  code: number,
  body: unknown,
  format: Format | 'raw' = 'json',
  contentType?: string,
  warnings: string[] = [],
): void {
  if (res.headersSent) return;
  let text: string;
  if (typeof body === 'string' && format === 'raw') text = body;
  else if (format === 'yaml') text = stringifyYaml(body);
  else text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type':
      contentType ??
      (format === 'yaml'
        ? 'application/yaml'
        : format === 'table'
          ? 'application/json;as=Table;v=v1;g=meta.k8s.io'
          : 'application/json'),
    'Cache-Control': 'no-cache, private',
    'Content-Length': String(Buffer.byteLength(text)),
  };
  if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

/** Writes an error as its Status object (or just ends a response already under way). */
export function sendError(res: ServerResponse, e: ApiError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  noteStatus(res, e.status);
  send(res, e.code, e.status);
}

/** Any thrown value as the Status the client gets: unexpected ones become 500s. */
export function statusOf(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return internalError(e instanceof Error ? e.message : String(e));
}
