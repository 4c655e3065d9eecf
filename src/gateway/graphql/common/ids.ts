/**
 * Global IDs: `base64url("<Type>:<key>")`, where the key is the object's `namespace/name` (or the
 * workspace name). A malformed ID, or one naming a type that is not a Node, is a client error
 * (INVALID_ID), never an internal one.
 */
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';

export const NODE_TYPES = [
  'GitRepo',
  'HelmOp',
  'Bundle',
  'BundleDeployment',
  'Cluster',
  'ClusterGroup',
  'Workspace',
] as const;

export type NodeTypeName = (typeof NODE_TYPES)[number];

export function encodeId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${String(id)}`, 'utf8').toString('base64url');
}

function invalid(globalID: string, why: string): FleetGraphError {
  return new FleetGraphError(ErrorCode.INVALID_ID, `"${globalID}" is not a valid fleet-graph ID: ${why}`, {
    id: globalID,
  });
}

export function decodeId(globalID: string): { typename: NodeTypeName; id: string } {
  if (!/^[A-Za-z0-9_-]+$/.test(globalID)) throw invalid(globalID, 'not base64url');
  const text = Buffer.from(globalID, 'base64url').toString('utf8');
  // Buffer decoding skips what it cannot read; re-encoding tells a real ID from lookalike noise.
  if (Buffer.from(text, 'utf8').toString('base64url') !== globalID) throw invalid(globalID, 'not base64url');
  const colon = text.indexOf(':');
  if (colon <= 0) throw invalid(globalID, 'no type');
  const typename = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (!(NODE_TYPES as readonly string[]).includes(typename))
    throw invalid(globalID, `unknown type "${typename}"`);
  if (id === '') throw invalid(globalID, 'empty key');
  return { typename: typename as NodeTypeName, id };
}

/** Splits a `namespace/name` key; INVALID_ID when it is not one. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  if (slash <= 0 || slash === key.length - 1 || key.indexOf('/', slash + 1) >= 0) {
    throw new FleetGraphError(ErrorCode.INVALID_ID, `"${key}" is not a namespace/name key`, { key });
  }
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
