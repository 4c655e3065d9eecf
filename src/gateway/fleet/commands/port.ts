/**
 * The ports the write commands need, declared here so fleet/ never imports kube/ (the layer rule):
 * a writer that talks to the Kubernetes API (implemented in kube/fleet-writer.ts and injected by
 * gateway.ts), the store's read side (snapshots and read-your-writes), and one authorization point.
 */
import type { GitRepoSpec } from '../../../apis/fleet.js';
import type { Clock } from '../../../shared/clock.js';
import type { Logger } from '../../../shared/logger.js';
import type { GitRepoRecord, RecordKind, RecordOf, Snapshot } from '../../store/records.js';
import type { ChangeEvent } from '../../store/store.js';
import type { OperationSigner } from './signing.js';

/** What a write returns: enough to wait for it in the store. */
export interface Written {
  readonly resourceVersion: string;
  readonly uid: string;
}

/**
 * Writes to Fleet's objects. Every method throws FleetGraphError with CONFLICT (a precondition
 * failed), NOT_FOUND, FORBIDDEN, INVALID_ARGUMENT (the API server rejected the object) or
 * UNAVAILABLE; nothing is written when it throws.
 */
export interface FleetWriter {
  /**
   * A JSON merge patch (RFC 7386) of a GitRepo. With `expectedResourceVersion`, the API server
   * refuses it with 409 when the object changed since (optimistic concurrency).
   */
  patchGitRepo(
    namespace: string,
    name: string,
    mergePatch: Record<string, unknown>,
    expectedResourceVersion?: string,
  ): Promise<Written>;
  createGitRepo(
    namespace: string,
    name: string,
    spec: GitRepoSpec,
    meta?: { labels?: Record<string, string>; annotations?: Record<string, string> },
  ): Promise<Written>;
  /** Deletes a GitRepo; with a resourceVersion precondition (409 when it changed). */
  deleteGitRepo(namespace: string, name: string, preconditions?: Preconditions): Promise<void>;
  /** Deletes a BundleDeployment only if it is still the object seen (uid and resourceVersion). */
  deleteBundleDeployment(namespace: string, name: string, preconditions: Preconditions): Promise<void>;
}

export interface Preconditions {
  readonly uid?: string | undefined;
  readonly resourceVersion?: string | undefined;
}

/** The store's read side: the current snapshot, the change feed, read-your-writes. */
export interface StorePort {
  snapshot(): Snapshot;
  subscribe(listener: (event: ChangeEvent) => void): () => void;
  waitForVersion<K extends RecordKind>(
    kind: K,
    key: string,
    resourceVersion: string,
    opts?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<RecordOf<K> | undefined>;
  /** Resolves once the deletion of `key` (the object with `uid`) is visible in the store. */
  waitForDeletion(
    kind: RecordKind,
    key: string,
    uid: string,
    opts?: { timeoutMs?: number; resourceVersion?: string },
  ): Promise<void>;
}

/** Where a write came from, for the audit line (never a credential). */
export interface RequestSource {
  /** The client's address as the gateway's socket saw it. */
  readonly address?: string | undefined;
  readonly origin?: string | undefined;
  readonly userAgent?: string | undefined;
}

/**
 * Who asks (structurally the GraphQL context's Caller; fleet/ must not import graphql/), with
 * where the request came from when known.
 */
export type CommandCaller = (
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'user';
      readonly name: string;
      readonly uid?: string | undefined;
      readonly groups: readonly string[];
      readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
    }
) & { readonly source?: RequestSource | undefined };

export type CommandAction =
  'retarget' | 'prune' | 'cancelRetarget' | 'pause' | 'forceSync' | 'create' | 'update' | 'delete';

/** What an authorization decision is about. */
export interface CommandRequest {
  readonly action: CommandAction;
  readonly namespace: string;
  readonly name: string;
  readonly dryRun: boolean;
}

/**
 * The one authorization point of the write commands: true allows, false (or a reason string)
 * denies with FORBIDDEN. The default policy allows everything.
 */
export type AuthorizationPolicy = (
  caller: CommandCaller,
  request: CommandRequest,
) => boolean | string | Promise<boolean | string>;

export const ALLOW_ALL: AuthorizationPolicy = () => true;

export interface CommandDeps {
  /** The writer for callers without an identity of their own (`--auth none`), and the default. */
  readonly writer: FleetWriter;
  /**
   * The writer that acts as `caller` (impersonating them, so Kubernetes RBAC decides and its
   * audit names them), or undefined when this caller may not write at all. Default: `writer`.
   */
  readonly writerFor?: ((caller: CommandCaller) => FleetWriter | undefined) | undefined;
  /** The workspaces writes may go to (`--namespaces`); empty or absent: any valid namespace. */
  readonly namespaces?: readonly string[] | undefined;
  readonly store: StorePort;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly authorize?: AuthorizationPolicy | undefined;
  /** Bound on read-your-writes (default 10 s of real time). */
  readonly writeWaitMs?: number | undefined;
  /**
   * This replica's identity (its leader-election holder identity), recorded on the steps it
   * applies and converges, so the operation record shows a handover between replicas.
   */
  readonly identity?: string | undefined;
  /**
   * Signs the staged retarget records this gateway writes and verifies them before acting on
   * them; every replica must share its key. Default: a random key of this process.
   */
  readonly signer?: OperationSigner | undefined;
}

export type { GitRepoRecord };
