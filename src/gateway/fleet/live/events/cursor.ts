/**
 * Event cursors. A cursor names a position in the BundleDeployment event stream by the Kubernetes
 * resourceVersion of the change plus an index among changes that share one resourceVersion
 * (deletions found by one relist all carry the list's resourceVersion).
 *
 * Kubernetes documents resourceVersions as opaque strings to compare only for equality. In
 * practice etcd's (and the emulator's) are one cluster-wide increasing integer, and Kubernetes'
 * own watch cache orders by them; we rely on that, as client-go's reflector does when it resumes a
 * watch. Because the number comes from the API server and not from this process, a cursor taken
 * from one gateway replica means the same position on another. A resourceVersion that is not an
 * integer cannot be ordered: resuming from such a position asks the client to resync.
 *
 * A replaced history (a new API server or a restored etcd on the same address) restarts
 * resourceVersions low, so the same number names another change. Each replacement the reflector
 * reports starts a new epoch; the epoch is part of the position and of the cursor (absent for the
 * first), and a cursor from another epoch can only be answered with a resync. Replicas that watched
 * the same replacements count the same epochs. Epochs are counted per process, though, and a
 * replica started after a replacement counts one fewer; so a cursor also carries the uid of the
 * object its event was about. A position names the same change on two replicas, or in two
 * histories, only when the event there is about the same object: resuming checks that, and answers
 * a resync when it does not hold.
 */
import { ErrorCode, FleetGraphError } from '../../../../shared/errors.js';

export interface Position {
  /** Histories replaced since this process started (0: the first). */
  readonly epoch: number;
  /** The resourceVersion as an integer. */
  readonly rv: bigint;
  /** Order among events with the same resourceVersion. */
  readonly index: number;
}

/** A cursor: a position and, when it names an event, the uid of that event's object. */
export interface CursorPosition extends Position {
  readonly uid?: string | undefined;
}

export const ORIGIN: Position = { epoch: 0, rv: 0n, index: 0 };

export function compare(a: Position, b: Position): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  if (a.rv !== b.rv) return a.rv < b.rv ? -1 : 1;
  return a.index - b.index;
}

/** The integer value of a resourceVersion, or undefined when it is not one. */
export function parseResourceVersion(rv: string): bigint | undefined {
  return /^\d{1,30}$/.test(rv) ? BigInt(rv) : undefined;
}

export function encodeCursor(p: Position, uid?: string): string {
  const epoch = p.epoch === 0 ? '' : `:h${p.epoch}`;
  const of = uid ? `:u${uid}` : '';
  return Buffer.from(`rv:${p.rv}:${p.index}${epoch}${of}`, 'utf8').toString('base64url');
}

/** Reads a cursor given by a client; INVALID_CURSOR when it is not one of ours. */
export function decodeCursor(cursor: string): CursorPosition {
  const text = cursor.length <= 200 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const m = /^rv:(\d{1,30}):(\d{1,9})(?::h(\d{1,9}))?(?::u([\w.-]{1,64}))?$/.exec(text);
  if (!m) {
    throw new FleetGraphError(ErrorCode.INVALID_CURSOR, `"${cursor.slice(0, 64)}" is not an event cursor`, {
      cursor: cursor.slice(0, 64),
    });
  }
  return { epoch: m[3] === undefined ? 0 : Number(m[3]), rv: BigInt(m[1]!), index: Number(m[2]), uid: m[4] };
}

/**
 * The position of the next event: its own resourceVersion when that moves forward, otherwise the
 * last position with the index bumped. Watch events arrive in resourceVersion order per watch, but
 * a relist reports changed objects in key order and several watches (one per workspace) interleave;
 * clamping keeps positions strictly increasing, so the replay buffer stays ordered.
 */
export function nextPosition(last: Position, resourceVersion: string): Position {
  const rv = parseResourceVersion(resourceVersion);
  if (rv !== undefined && rv > last.rv) return { epoch: last.epoch, rv, index: 0 };
  return { epoch: last.epoch, rv: last.rv, index: last.index + 1 };
}
