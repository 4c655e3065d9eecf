/**
 * Fault injection: the failure modes a client of a real API server must survive (watches ending,
 * 5xx and 429 answers with Retry-After, slow answers, 410 on watch, half-open silent watches, a
 * whole outage), switchable from tests of everything built on top of the emulator.
 */
export interface FaultMatch {
  /** A verb as the API server names it: get, list, watch, create, update, patch, delete, deletecollection. */
  verb?: string;
  /** A plural resource name, e.g. `gitrepos`. */
  resource?: string;
}

export interface FailRequestsOptions {
  status: 500 | 429 | 503;
  /** Fail this many matching requests, then stop failing. */
  count?: number;
  /** Fail matching requests for this long. Without count or duration: until `clear()`. */
  durationMs?: number;
  retryAfterSeconds?: number;
  match?: FaultMatch;
}

export interface GoneOptions {
  /** `status` answers the watch request with HTTP 410; `event` opens it and sends an ERROR 410 event. */
  mode?: 'status' | 'event';
}

export interface Faults {
  /** Ends the open watch streams now (cleanly, as a server-side timeout would). Returns how many. */
  endWatches(match?: { resource?: string }): number;
  failRequests(opts: FailRequestsOptions): void;
  delayResponses(ms: number, match?: FaultMatch): void;
  /** The next matching watch request gets 410 Gone. */
  goneOnNextWatch(match?: { resource?: string } & GoneOptions): void;
  /**
   * Matching watches (open ones and new ones) stay open but send nothing, no events and no
   * bookmarks, like a half-open connection. Streams silenced this way stay silent until they are
   * closed; `clear()` only stops silencing new watches.
   */
  silenceWatches(match?: { resource?: string }): void;
  /** Every request fails with 503 and open watches end, until `clear()`. */
  outage(): void;
  clear(): void;
}

export interface FailRule {
  status: 500 | 429 | 503;
  remaining: number;
  until: number;
  retryAfterSeconds: number | undefined;
  match: FaultMatch;
}

export function matches(m: FaultMatch | undefined, verb: string, resource: string): boolean {
  if (!m) return true;
  if (m.verb !== undefined && m.verb !== verb) return false;
  if (m.resource !== undefined && m.resource !== resource) return false;
  return true;
}

/** The state the server consults on every request. */
export class FaultState {
  fails: FailRule[] = [];
  delays: { ms: number; match: FaultMatch | undefined }[] = [];
  gone: { match: { resource?: string } | undefined; mode: 'status' | 'event' }[] = [];
  silence: { resource?: string }[] = [];
  outage = false;

  /** The failure for this request, if any; consumes one from counted rules. */
  failure(verb: string, resource: string, now: number): FailRule | undefined {
    this.fails = this.fails.filter((f) => f.remaining > 0 && f.until > now);
    for (const f of this.fails) {
      if (!matches(f.match, verb, resource)) continue;
      f.remaining--;
      return f;
    }
    return undefined;
  }

  delay(verb: string, resource: string): number {
    let ms = 0;
    for (const d of this.delays) if (matches(d.match, verb, resource)) ms = Math.max(ms, d.ms);
    return ms;
  }

  takeGone(resource: string): 'status' | 'event' | undefined {
    const i = this.gone.findIndex((g) => matches(g.match, 'watch', resource));
    if (i < 0) return undefined;
    const [g] = this.gone.splice(i, 1);
    return g!.mode;
  }

  silenced(resource: string): boolean {
    return this.silence.some((s) => matches(s, 'watch', resource));
  }

  clear(): void {
    this.fails = [];
    this.delays = [];
    this.gone = [];
    this.silence = [];
    this.outage = false;
  }
}
