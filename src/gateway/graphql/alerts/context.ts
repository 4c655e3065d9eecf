/**
 * The alert engine on the operation context. It is attached by the gateway's composition (like the
 * subscriptions' event engine), so contexts built without it (tests over a fixed snapshot) still
 * work; `alerts` then answers UNAVAILABLE.
 */
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import type { LiveAlerts } from '../../fleet/index.js';
import type { GraphQLContext } from '../context.js';

export type AlertsContext = GraphQLContext & { readonly alertEngine?: LiveAlerts | undefined };

/** The context with the alert engine attached. */
export function withAlerts<C extends GraphQLContext>(
  ctx: C,
  engine: LiveAlerts,
): C & { readonly alertEngine: LiveAlerts } {
  return Object.assign(ctx, { alertEngine: engine });
}

export function alertsOf(ctx: GraphQLContext): LiveAlerts {
  const engine = (ctx as AlertsContext).alertEngine;
  if (!engine) throw new FleetGraphError(ErrorCode.UNAVAILABLE, 'alerts are not available here');
  return engine;
}
