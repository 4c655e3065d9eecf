/**
 * What subscriptions need beyond an ordinary operation's context: the event engine, a way to take
 * a fresh read model for each event, and (on the WebSocket transport) a way to close the
 * connection of a subscriber that fell behind.
 *
 * A subscription's context lives as long as the subscription, so its read model and loaders would
 * go stale (docs/libraries.md §3, dataloader staleness): every event is resolved after `renew`, which
 * swaps in a read model over the store as it is now and empty loaders.
 */
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import type { LiveEvents } from '../../fleet/index.js';
import type { FreshnessSource } from '../common/freshness.js';
import type { GraphQLContext } from '../context.js';

export interface Live {
  /** The event engine, or its view filtered by what the caller may list (fleet/visible.ts). */
  readonly events: LiveEvents;
  /** A new context for the same caller (read model over the current snapshot, empty loaders). */
  readonly renew: () => Pick<GraphQLContext, 'readModel' | 'loaders'>;
  /** The watches' freshness, for status events when a source turns stale or recovers. */
  readonly freshness?: FreshnessSource | undefined;
}

/** Close code for a subscriber cut off for falling behind (graphql-ws reserves 4400–4499 for the app's own). */
export const SLOW_SUBSCRIBER_CLOSE_CODE = 4429;

export type LiveContext = GraphQLContext & {
  readonly live?: Live | undefined;
  /** Set by the WebSocket transport: closes this operation's connection with a code and reason. */
  readonly disconnect?: ((code: number, reason: string) => void) | undefined;
};

/** The context with the engine attached (done by the gateway's composition). */
export function withLive<C extends GraphQLContext>(ctx: C, live: Live): C & { readonly live: Live } {
  return Object.assign(ctx, { live });
}

export function liveOf(ctx: GraphQLContext): Live {
  const live = (ctx as LiveContext).live;
  if (!live) throw new FleetGraphError(ErrorCode.UNAVAILABLE, 'live subscriptions are not available here');
  return live;
}

/** Resolves the next event against the store as it is now (fresh read model and loaders). */
export function renew(ctx: GraphQLContext): void {
  const live = (ctx as LiveContext).live;
  if (live) Object.assign(ctx, live.renew());
}

/** A subscription field's `resolve` for events served as they are: renews the context first. */
export function renewed<E>(event: E, _args: unknown, ctx: GraphQLContext): E {
  renew(ctx);
  return event;
}

/** What a cut-off subscriber's connection gets: a clear close code and reason where there is one. */
export function onOverflow(ctx: GraphQLContext): (error: FleetGraphError) => void {
  return (error) =>
    (ctx as LiveContext).disconnect?.(
      SLOW_SUBSCRIBER_CLOSE_CODE,
      `${error.code}: fell behind; resume with the last cursor received`,
    );
}
