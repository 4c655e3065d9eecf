/**
 * Leader election on a coordination.k8s.io/v1 Lease, following client-go's
 * tools/leaderelection (client-node 1.4 ships none, and the one npm package never replaces a
 * crashed leader; docs/platform.md §4). What is kept from client-go, and why:
 *
 * - Expiry is judged by the *locally observed* time at which the record last changed, plus the
 *   record's leaseDurationSeconds. Record timestamps are never compared with the local clock, so
 *   clock skew between replicas cannot make two of them lead.
 * - Every write is an update carrying the resourceVersion that was read; a 409 means another
 *   replica wrote first, and this one has lost that round.
 * - A takeover increments leaseTransitions; a renewal keeps acquireTime and the count.
 * - A leader that cannot renew within RenewDeadline stops leading. LeaseDuration > RenewDeadline
 *   leaves the others waiting longer than the old leader may still believe it leads.
 * - On a graceful stop the leader releases: an empty holder with leaseDurationSeconds 1, so a
 *   successor takes over at its next retry instead of a whole lease duration later.
 *
 * One deliberate difference: a leader that reads a record naming another holder steps down at
 * once rather than at the end of its renew deadline, which only narrows the window in which two
 * replicas could both act.
 *
 * Why this file is over 400 lines: one state machine (LeaderElector) with the Lease lock it
 * writes through; the rules above depend on each other's timing, so they stay in one file that can
 * be read against client-go's tools/leaderelection in one go.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { toKubeError, withSignal } from './client.js';

/** The name of the Lease the gateway replicas compete for. */
export const LEADER_LEASE_NAME = 'fleet-graph-leader';

/** client-go's `JitterFactor`: acquire retries wait RetryPeriod × (1 + rand × 1.2). */
export const JITTER_FACTOR = 1.2;

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

/** The spec fields of a Lease the election reads and writes (times as RFC3339 with 6 digits). */
export interface LeaseRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime?: string | undefined;
  readonly renewTime?: string | undefined;
  readonly leaseTransitions: number;
}

export interface ReadLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

/** Where the record lives. Every method throws LockConflict on a 409; get returns undefined on 404. */
export interface LeaseLock {
  describe(): string;
  get(signal: AbortSignal): Promise<ReadLease | undefined>;
  create(record: LeaseRecord, signal: AbortSignal): Promise<ReadLease>;
  update(record: LeaseRecord, resourceVersion: string, signal: AbortSignal): Promise<ReadLease>;
}

export class LockConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockConflict';
  }
}

/** `<hostname>_<random id>`: unique per process, readable in `kubectl get lease`. */
export function newHolderIdentity(): string {
  return `${hostname()}_${randomBytes(8).toString('hex')}`;
}

/** MicroTime as the API server parses it: RFC3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new V1MicroTime(ms).toISOString();
}

function timeString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  // client-node types these as V1MicroTime (a Date); what it hands back is the server's string.
  return v instanceof Date ? new V1MicroTime(v.getTime()).toISOString() : undefined;
}

function fromLease(l: V1Lease): ReadLease {
  const s = l.spec ?? {};
  return {
    resourceVersion: l.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: s.holderIdentity ?? '',
      leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
      acquireTime: timeString(s.acquireTime),
      renewTime: timeString(s.renewTime),
      leaseTransitions: s.leaseTransitions ?? 0,
    },
  };
}

/** The Lease through client-node's CoordinationV1Api. */
export class KubeLeaseLock implements LeaseLock {
  private readonly api: CoordinationV1Api;

  constructor(
    kubeConfig: KubeConfig,
    readonly namespace: string,
    readonly name: string = LEADER_LEASE_NAME,
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  private body(record: LeaseRecord, resourceVersion?: string): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, resourceVersion },
      // The serializer passes these strings through untouched, so they keep their 6 digits.
      spec: record as unknown as V1Lease['spec'],
    };
  }

  private async call(fn: () => Promise<V1Lease>): Promise<ReadLease> {
    try {
      return fromLease(await fn());
    } catch (e) {
      const err = toKubeError(e);
      if (err.status === 409) throw new LockConflict(err.message);
      throw err;
    }
  }

  async get(signal: AbortSignal): Promise<ReadLease | undefined> {
    try {
      return await this.call(() =>
        this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }, withSignal(signal)),
      );
    } catch (e) {
      if ((e as { status?: number }).status === 404) return undefined;
      throw e;
    }
  }

  create(record: LeaseRecord, signal: AbortSignal): Promise<ReadLease> {
    return this.call(() =>
      this.api.createNamespacedLease(
        { namespace: this.namespace, body: this.body(record) },
        withSignal(signal),
      ),
    );
  }

  update(record: LeaseRecord, resourceVersion: string, signal: AbortSignal): Promise<ReadLease> {
    return this.call(() =>
      this.api.replaceNamespacedLease(
        { name: this.name, namespace: this.namespace, body: this.body(record, resourceVersion) },
        withSignal(signal),
      ),
    );
  }
}

export interface LeaderElectionTiming {
  /** How long followers wait, from the last observed change of the record, before taking over. */
  readonly leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it stops leading. */
  readonly renewDeadlineMs: number;
  /** How often to try to acquire or renew. */
  readonly retryPeriodMs: number;
}

export interface LeaderElectorOptions extends Partial<LeaderElectionTiming> {
  readonly lock: LeaseLock;
  readonly identity: string;
  /** Real time: lease durations are wall-clock seconds on every replica (tests inject a manual clock). */
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random?: () => number;
  readonly onStartedLeading?: () => void;
  readonly onStoppedLeading?: () => void;
  /** A different holder was observed (this replica included). */
  readonly onNewLeader?: (identity: string) => void;
}

/** client-go's validation of the three durations. */
export function checkTiming(t: LeaderElectionTiming): string | undefined {
  if (!(t.leaseDurationMs > t.renewDeadlineMs))
    return 'the lease duration must be greater than the renew deadline';
  if (!(t.renewDeadlineMs > JITTER_FACTOR * t.retryPeriodMs))
    return `the renew deadline must be greater than ${JITTER_FACTOR} × the retry period`;
  if (t.retryPeriodMs < 1) return 'the retry period must be positive';
  if (t.leaseDurationMs < 1000) return 'the lease duration must be at least 1 s';
  return undefined;
}

export class LeaderElector {
  readonly identity: string;
  private readonly timing: LeaderElectionTiming;
  private observed: ReadLease | undefined;
  private observedRaw = '';
  /** Local clock time at which the record was last seen to change. */
  private observedTime = 0;
  private leading = false;
  /** A non-conflict failure was logged at warn and no request has succeeded since. */
  private failing = false;
  private lastHolder = '';
  private transitionsSeen = 0;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.identity = opts.identity;
    this.timing = {
      leaseDurationMs: opts.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS,
      renewDeadlineMs: opts.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS,
      retryPeriodMs: opts.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS,
    };
    const problem = checkTiming(this.timing);
    if (problem) throw new RangeError(`leader election: ${problem}`);
  }

  /** Whether this replica leads now. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder this replica last observed ('' when none). */
  leader(): string {
    return this.lastHolder;
  }

  /** How many times this replica saw the holder change. */
  transitions(): number {
    return this.transitionsSeen;
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) =>
      this.opts.logger.error({ err }, 'leader election stopped unexpectedly'),
    );
  }

  /** Stops competing; a leader releases the Lease unless `release` is false (a simulated crash). */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopping.abort(new Error('leader election stopped'));
    await this.loop;
    const wasLeading = this.leading;
    this.setLeading(false);
    if (wasLeading && opts.release !== false) await this.release();
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async pause(ms: number): Promise<void> {
    try {
      await this.opts.clock.sleep(ms, this.stopping.signal);
    } catch {
      // Stopped: the loops check `stopped` next.
    }
  }

  private async run(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.timing;
    const random = this.opts.random ?? Math.random;
    while (!this.stopped) {
      // Acquire: retry with jitter until the record is ours.
      while (!this.stopped && !(await this.tryAcquireOrRenew()))
        await this.pause(retryPeriodMs * (1 + random() * JITTER_FACTOR));
      if (this.stopped) return;
      this.setLeading(true);
      // Renew every RetryPeriod; no success within RenewDeadline, or another holder seen: step down.
      let renewed = this.opts.clock.now();
      while (!this.stopped) {
        await this.pause(retryPeriodMs);
        if (this.stopped) return;
        if (await this.tryAcquireOrRenew()) {
          renewed = this.opts.clock.now();
          continue;
        }
        const taken = this.observed !== undefined && this.holderOf(this.observed) !== this.identity;
        if (taken || this.opts.clock.now() - renewed >= renewDeadlineMs) {
          this.opts.logger.warn(
            { lease: this.opts.lock.describe(), holder: this.lastHolder },
            taken ? 'leadership taken over by another replica' : 'failed to renew the lease in time',
          );
          this.setLeading(false);
          break;
        }
      }
    }
  }

  private holderOf(l: ReadLease): string {
    return l.record.holderIdentity;
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.opts.logger.info(
      { lease: this.opts.lock.describe(), identity: this.identity, leading },
      'leadership changed',
    );
    if (leading) this.opts.onStartedLeading?.();
    else this.opts.onStoppedLeading?.();
  }

  private observe(l: ReadLease): void {
    this.failing = false;
    const raw = JSON.stringify([l.record, l.resourceVersion]);
    if (raw !== this.observedRaw) {
      this.observedRaw = raw;
      this.observedTime = this.opts.clock.now();
    }
    this.observed = l;
    const holder = this.holderOf(l);
    if (holder !== this.lastHolder) {
      this.lastHolder = holder;
      if (holder !== '') {
        this.transitionsSeen += 1;
        this.opts.onNewLeader?.(holder);
      }
    }
  }

  private leaseValid(now: number): boolean {
    const o = this.observed;
    return o !== undefined && this.observedTime + o.record.leaseDurationSeconds * 1000 > now;
  }

  private signal(): AbortSignal {
    return AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.timing.renewDeadlineMs)]);
  }

  /** One round of client-go's tryAcquireOrRenew; true when this replica holds the record afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.opts.clock.now();
    const desired: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.timing.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      // Fast path: the leader renews from its cached record, without a read.
      const cached = this.observed;
      if (this.leading && cached && this.holderOf(cached) === this.identity && this.leaseValid(now)) {
        try {
          const written = await this.opts.lock.update(
            {
              ...desired,
              acquireTime: cached.record.acquireTime,
              leaseTransitions: cached.record.leaseTransitions,
            },
            cached.resourceVersion,
            this.signal(),
          );
          this.observe(written);
          return true;
        } catch (err) {
          if (this.stopped) return false;
          this.opts.logger.debug({ err }, 'lease renewal from the cached record failed; reading it');
        }
      }
      const current = await this.opts.lock.get(this.signal());
      if (!current) {
        this.observe(await this.opts.lock.create(desired, this.signal()));
        return true;
      }
      this.observe(current);
      const held = this.holderOf(current);
      if (held !== '' && held !== this.identity && this.leaseValid(now)) return false;
      const next: LeaseRecord =
        held === this.identity
          ? {
              ...desired,
              acquireTime: current.record.acquireTime,
              leaseTransitions: current.record.leaseTransitions,
            }
          : { ...desired, leaseTransitions: current.record.leaseTransitions + 1 };
      this.observe(await this.opts.lock.update(next, current.resourceVersion, this.signal()));
      return true;
    } catch (err) {
      if (this.stopped) return false;
      // A conflict is the normal race between replicas. Anything else (no RBAC on leases, the
      // namespace missing) would silently stop staged retargets: say so once, then quietly.
      const fields = { err, lease: this.opts.lock.describe() };
      if (err instanceof LockConflict) this.opts.logger.debug(fields, 'lease taken by another replica first');
      else if (!this.failing) {
        this.failing = true;
        this.opts.logger.warn(fields, 'cannot acquire or renew the leader Lease; retrying');
      } else this.opts.logger.debug(fields, 'lease not acquired or renewed');
      return false;
    }
  }

  /** Gives the Lease up: empty holder, duration 1 s, transitions kept; retried once on a conflict. */
  private async release(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const o = this.observed;
      if (!o || this.holderOf(o) !== this.identity) return;
      const now = microTime(this.opts.clock.now());
      try {
        this.observe(
          await this.opts.lock.update(
            {
              holderIdentity: '',
              leaseDurationSeconds: 1,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: o.record.leaseTransitions,
            },
            o.resourceVersion,
            AbortSignal.timeout(this.timing.renewDeadlineMs),
          ),
        );
        this.opts.logger.info({ lease: this.opts.lock.describe() }, 'lease released');
        return;
      } catch (err) {
        if (!(err instanceof LockConflict)) {
          this.opts.logger.warn({ err, lease: this.opts.lock.describe() }, 'failed to release the lease');
          return;
        }
        // A renewal aborted by the stop may have landed: read the record again and retry.
        const current = await this.opts.lock
          .get(AbortSignal.timeout(this.timing.renewDeadlineMs))
          .catch(() => undefined);
        if (!current) return;
        this.observe(current);
      }
    }
  }
}
