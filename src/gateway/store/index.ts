/**
 * The store's public surface for the gateway composition (gateway.ts) and fleet/: build a store,
 * feed it from the API server, take snapshots, follow the change feed, load details on demand.
 */
export { createStore } from './store.js';
export type { ChangeEvent, ChangeListener, KindSyncState, Store, StoreOptions } from './store.js';
export { startWatching } from './watching.js';
export type { KindWatchStatus, Watching, WatchingOptions, WatchTuning } from './watching.js';
export { createDetailLoader, kubeFetcher } from './details.js';
export type {
  BundleDeploymentDetails,
  DetailLoader,
  DetailLoaderOptions,
  FetchObject,
  ObjectRef,
} from './details.js';
export { Interner } from './intern.js';
export type * from './records.js';
