/**
 * Readiness beyond "synced": a watch that has received nothing at all (no event, no bookmark, no
 * list) for longer than a threshold may be half-open or silenced, and the answers built on it may
 * be stale. The reflector's watchdog reconnects a silent watch after its server timeout plus a
 * margin (about 5 min); when reconnecting does not bring anything either (a proxy that accepts and
 * hangs), readiness says so. The threshold must exceed one whole watch: API servers send a
 * bookmark (`allowWatchBookmarks`) at the latest as a watch times out.
 */
import type { KindWatchStatus } from '../store/watching.js';

/** Kinds with a scope silent for longer than `thresholdMs` (wall clock, as the reflectors keep it). */
export function silentWatches(
  status: readonly KindWatchStatus[],
  thresholdMs: number,
  now = Date.now(),
): { kind: string; silentMs: number }[] {
  const out: { kind: string; silentMs: number }[] = [];
  for (const s of status) {
    if (!s.synced) continue;
    let silent = 0;
    for (const scope of s.scopes)
      if (scope.lastEventAt !== undefined) silent = Math.max(silent, now - scope.lastEventAt);
    if (silent > thresholdMs) out.push({ kind: s.kind, silentMs: silent });
  }
  return out;
}

/** The /readyz reason for silent watches, or undefined when none is. */
export function staleReason(
  status: readonly KindWatchStatus[],
  thresholdMs: number,
  now = Date.now(),
): string | undefined {
  const silent = silentWatches(status, thresholdMs, now);
  if (silent.length === 0) return undefined;
  return `watch silent for longer than ${Math.round(thresholdMs / 1000)} s: ${silent
    .map((s) => `${s.kind} (${Math.round(s.silentMs / 1000)} s)`)
    .join(', ')}`;
}

/**
 * How fresh one kind's answers are: the one definition behind /readyz and the `freshness`
 * extension of every GraphQL answer.
 *
 * A kind is **stale** when one of its watch scopes has been unhealthy for longer than `graceMs`
 * (the watch is failing and backing off, was refused our resourceVersion and is relisting, or a
 * resumed watch has not yet been confirmed by the server), or when a scope has received nothing at
 * all for longer than `silentMs` (a half-open or silenced watch), or at once when a scope is
 * **lagging**: a progress probe saw the API server's resourceVersion ahead of what the watch
 * delivered, and the watch did not reach it within the probe's grace (the reflector applied that
 * grace already, so `graceMs` does not apply again). Answers then still come from the
 * last good state. `staleSince` is when the oldest of those scopes stopped being healthy (for a
 * silent one: the last time it heard anything; for a lagging one: when the probe first saw the lag). Before its first complete list a kind is not
 * **synced**: there is no state to answer from.
 */
export interface KindFreshness {
  readonly kind: string;
  readonly synced: boolean;
  /** Wall-clock ms; undefined while fresh. */
  readonly staleSince: number | undefined;
  readonly why?: 'failing' | 'silent' | 'lagging' | undefined;
}

export interface FreshnessRules {
  /** How long a scope may be unhealthy (a reconnect, a relist after a 410) before it is stale. */
  readonly graceMs: number;
  /** How long a scope may hear nothing before it is stale. */
  readonly silentMs: number;
}

export function freshnessOf(
  status: readonly KindWatchStatus[],
  rules: FreshnessRules,
  now = Date.now(),
): KindFreshness[] {
  return status.map((s) => {
    if (!s.synced) return { kind: s.kind, synced: false, staleSince: undefined };
    let failing: number | undefined;
    let silent: number | undefined;
    let lagging: number | undefined;
    for (const scope of s.scopes) {
      const l = scope.laggingSince;
      if (l !== undefined) lagging = Math.min(lagging ?? l, l);
      const t = scope.troubleSince;
      if (t !== undefined && now - t > rules.graceMs) failing = Math.min(failing ?? t, t);
      const heard = scope.lastEventAt;
      if (heard !== undefined && now - heard > rules.silentMs) silent = Math.min(silent ?? heard, heard);
    }
    // staleSince is the oldest cause; `why` names the cause /readyz acts on first, so a scope that
    // is failing and lagging at once still takes the replica out of rotation.
    const oldest = [failing, silent, lagging].filter((t): t is number => t !== undefined);
    if (oldest.length === 0) return { kind: s.kind, synced: true, staleSince: undefined };
    const since = Math.min(...oldest);
    if (failing !== undefined && (silent === undefined || failing <= silent))
      return { kind: s.kind, synced: true, staleSince: since, why: 'failing' };
    if (silent !== undefined) return { kind: s.kind, synced: true, staleSince: since, why: 'silent' };
    return { kind: s.kind, synced: true, staleSince: since, why: 'lagging' };
  });
}

/**
 * The /readyz verdict from the same rules: every kind synced and none failing or silent. A lagging
 * watch marks its answers stale but keeps the replica ready: the lag ends within the probe's
 * restart and relist bounds, every replica watches the same server (taking one out of rotation moves callers
 * to a peer that is likely as far behind), and a quiet kind trailing a busy server's shared
 * resourceVersion until its next bookmark would otherwise flap readiness.
 */
export function readinessFrom(
  freshness: readonly KindFreshness[],
  rules: FreshnessRules,
  now = Date.now(),
): { ready: boolean; reason?: string } {
  const unsynced = freshness.filter((f) => !f.synced).map((f) => f.kind);
  if (unsynced.length > 0) return { ready: false, reason: `not synced yet: ${unsynced.join(', ')}` };
  const failing = freshness.filter((f) => f.why === 'failing');
  if (failing.length > 0) {
    const since = new Date(Math.min(...failing.map((f) => f.staleSince!))).toISOString();
    return {
      ready: false,
      reason: `watch failing, retrying (answers stale since ${since}): ${failing.map((f) => f.kind).join(', ')}`,
    };
  }
  const silent = freshness.filter((f) => f.why === 'silent');
  if (silent.length > 0) {
    return {
      ready: false,
      reason: `watch silent for longer than ${Math.round(rules.silentMs / 1000)} s: ${silent
        .map((f) => `${f.kind} (${Math.round((now - f.staleSince!) / 1000)} s)`)
        .join(', ')}`,
    };
  }
  return { ready: true };
}
