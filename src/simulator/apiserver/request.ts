/**
 * The request side of the emulator's HTTP face: query parameters, bodies (JSON, YAML or protobuf,
 * with the size limit and the decode errors kube-apiserver answers) and the write and delete
 * options a request carries.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { PATCH_CONTENT_TYPES, type DeleteOptions, type WriteOptions } from './engine.js';
import { ApiError, badRequest, unsupportedMediaType } from './errors.js';
import { acceptsProtobuf, decodeProtobufDeleteOptions, decodeProtobufObject } from './protobuf.js';
import type { Resource } from './registry.js';
import { isObject } from './types.js';

const MAX_BODY = 16 * 1024 * 1024;

export function parseQuery(url: URL): Record<string, string> {
  const q: Record<string, string> = {};
  for (const [k, v] of url.searchParams) q[k] = v;
  return q;
}

export function boolParam(v: string | undefined): boolean {
  return v === 'true' || v === '1';
}

function jsonOrYaml(contentType: string): 'json' | 'yaml' | undefined {
  if (contentType === 'application/json' || contentType === '' || contentType.endsWith('+json'))
    return 'json';
  if (contentType === 'application/yaml' || contentType.endsWith('+yaml')) return 'yaml';
  return undefined;
}

/** Reads a whole request body, refusing one over the limit as kube-apiserver does (413). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > MAX_BODY)
      throw new ApiError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Request entity too large: limit is 3145728',
        reason: 'RequestEntityTooLarge',
        code: 413,
      });
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * Decodes a request body by its Content-Type: a whole object (JSON, YAML, or protobuf where the kind
 * accepts it) or, with `allowPatch`, a patch document.
 */
export async function parseBody(
  req: IncomingMessage,
  r: Resource | undefined,
  allowPatch = false,
): Promise<unknown> {
  const raw = await readBody(req);
  const ct = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (!allowPatch && ct === 'application/vnd.kubernetes.protobuf' && r && acceptsProtobuf(r)) {
    try {
      return decodeProtobufObject(raw);
    } catch (e) {
      throw badRequest(
        `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: ${(e as Error).message}`,
      );
    }
  }
  const kind = allowPatch
    ? ct in PATCH_CONTENT_TYPES
      ? jsonOrYaml(ct)
      : undefined
    : jsonOrYaml(ct) === undefined || ct in PATCH_CONTENT_TYPES
      ? undefined
      : jsonOrYaml(ct);
  if (!kind)
    throw unsupportedMediaType(
      allowPatch
        ? 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml'
        : r && acceptsProtobuf(r)
          ? 'application/json, application/yaml, application/vnd.kubernetes.protobuf'
          : 'application/json, application/yaml',
    );
  const text = raw.toString('utf8');
  const what = r
    ? `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}`
    : 'the body of the request could not be decoded';
  if (kind === 'json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw badRequest(
        text.trim() === ''
          ? `${what}: Object 'Kind' is missing in ''`
          : `${what}: json: ${(e as Error).message}`,
      );
    }
  }
  try {
    return parseYaml(text, { version: '1.1' }) as unknown;
  } catch (e) {
    throw badRequest(`${what}: yaml: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The options of a create, update or patch from its query string. */
export function writeOptions(q: Record<string, string>): WriteOptions {
  const fv = q.fieldValidation;
  if (fv !== undefined && !['Strict', 'Warn', 'Ignore'].includes(fv))
    throw badRequest(`fieldValidation must be one of "Strict", "Warn", or "Ignore", got "${fv}"`);
  if (q.dryRun !== undefined && q.dryRun !== 'All' && q.dryRun !== '')
    throw badRequest(`Invalid value: "${q.dryRun}": supported values: "All"`);
  return {
    dryRun: q.dryRun === 'All',
    fieldValidation: (fv as WriteOptions['fieldValidation']) ?? 'Warn',
    ...(q.fieldManager ? { fieldManager: q.fieldManager } : {}),
    force: boolParam(q.force),
  };
}

/** DeleteOptions from the body (JSON, YAML or protobuf) or, failing that, the query string. */
export async function deleteOptions(req: IncomingMessage, q: Record<string, string>): Promise<DeleteOptions> {
  let body: unknown = undefined;
  const raw = await readBody(req);
  if (raw.length > 0) {
    try {
      const type = req.headers['content-type'] ?? '';
      const text = raw.toString('utf8');
      body = type.includes('protobuf')
        ? decodeProtobufDeleteOptions(raw)
        : type.includes('yaml')
          ? parseYaml(text)
          : JSON.parse(text);
    } catch (e) {
      throw badRequest(`DeleteOptions cannot be decoded: ${(e as Error).message}`);
    }
  }
  const b = isObject(body) ? body : {};
  const policy = (b.propagationPolicy ?? q.propagationPolicy) as
    DeleteOptions['propagationPolicy'] | undefined;
  if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy))
    throw badRequest(
      `propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan"`,
    );
  const pre = isObject(b.preconditions) ? (b.preconditions as DeleteOptions['preconditions']) : undefined;
  const dryRun = Array.isArray(b.dryRun) ? (b.dryRun as unknown[]).includes('All') : q.dryRun === 'All';
  const orphan = b.orphanDependents === true ? 'Orphan' : undefined;
  return {
    ...((policy ?? orphan) ? { propagationPolicy: policy ?? orphan } : {}),
    ...(pre ? { preconditions: pre } : {}),
    dryRun,
  };
}
