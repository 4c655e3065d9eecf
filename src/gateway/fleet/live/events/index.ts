/** fleet/live/events: the live event engine behind GraphQL subscriptions (see engine.ts). */
export { BUNDLE_DEPLOYMENT_EVENT_TYPES, EventEngine, filterKey } from './engine.js';
export type {
  BundleDeploymentEvent,
  BundleDeploymentEventFilter,
  BundleDeploymentEventType,
  EventEngineOptions,
  EventEngineStats,
  EventSource,
  InconsistencyEventFilter,
  ObjectChange,
  Removal,
  SubscribeOptions,
} from './engine.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export type { Position } from './cursor.js';
export type { InconsistencyEvent } from '../tracker.js';
