/**
 * gateway/metrics: Prometheus metrics for the whole gateway (one Registry per gateway), the
 * GraphQL operation plugin, subscription hooks, and readiness staleness. Composed by gateway.ts;
 * the server only receives a function that renders the text.
 */
export { GatewayMetrics } from './metrics.js';
export type {
  AlertSource,
  ConsistencySource,
  EventEngineCounters,
  MetricsOptions,
  MetricsText,
  SubscriptionMetrics,
} from './metrics.js';
export { errorCode, MAX_OPERATION_NAMES } from './graphql.js';
export { LIFECYCLE_BUCKETS } from '../fleet/live/lifecycle.js';
export { estimateCacheBytes } from './watch.js';
export type { WatchHealthSource } from './watch.js';
export { freshnessOf, readinessFrom, silentWatches, staleReason } from './health.js';
export type { FreshnessRules, KindFreshness } from './health.js';
