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
