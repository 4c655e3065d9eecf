/**
 * The key that signs staged retarget records. The record lives in an annotation anyone who may
 * patch the GitRepo can edit, and the runner acts as the user it names; an HMAC over the parts
 * that say who and what (operation.ts `signedPart`) lets the runner refuse a record the gateway
 * did not write. Replicas share one key (`--operation-signing-key-file`); without it each process
 * makes its own, so a record started by another process cannot be verified here.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';

/** A shorter key is guessable in principle; 32 bytes is SHA-256's own block of strength. */
export const MIN_SIGNING_KEY_BYTES = 32;

/** Names the scheme, so a later change of what is signed cannot be mistaken for this one. */
const VERSION = 'v1';

export class OperationSigner {
  private constructor(
    private readonly key: Buffer,
    /** False for a key made by this process: other replicas cannot have signed with it. */
    readonly shared: boolean,
  ) {}

  /** A signer over a key given as bytes (tests, and the key file). */
  static fromKey(key: Buffer): OperationSigner {
    if (key.length < MIN_SIGNING_KEY_BYTES)
      throw new FleetGraphError(
        ErrorCode.INVALID_CONFIG,
        `operation signing key: must be at least ${MIN_SIGNING_KEY_BYTES} bytes, got ${key.length}`,
      );
    return new OperationSigner(Buffer.from(key), true);
  }

  /**
   * The key in `path` (surrounding whitespace, such as the newline an editor adds, is not part of
   * it). A missing, unreadable or short file is a configuration error at start, never a silent
   * fallback to a key of this process.
   */
  static fromFile(path: string): OperationSigner {
    let raw: Buffer;
    try {
      raw = readFileSync(path);
    } catch (err) {
      throw new FleetGraphError(
        ErrorCode.INVALID_CONFIG,
        `operation-signing-key-file: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    return OperationSigner.fromKey(Buffer.from(raw.toString('utf8').trim(), 'utf8'));
  }

  /** A random key of this process (the same for every gateway it starts). */
  static forProcess(): { signer: OperationSigner; created: boolean } {
    const created = processSigner === undefined;
    processSigner ??= new OperationSigner(randomBytes(32), false);
    return { signer: processSigner, created };
  }

  /** The signature of `payload` (the record's canonical signed part). */
  sign(payload: string): string {
    return `${VERSION}.${createHmac('sha256', this.key).update(payload, 'utf8').digest('base64url')}`;
  }

  /** Whether `signature` is this key's over `payload`, compared in constant time. */
  verify(payload: string, signature: string | undefined): boolean {
    if (typeof signature !== 'string') return false;
    const expected = Buffer.from(this.sign(payload), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    // timingSafeEqual needs equal lengths; the length of a valid signature is public anyway.
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

let processSigner: OperationSigner | undefined;

/** JSON with object keys sorted and undefined members left out, so equal records sign equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  return value;
}
