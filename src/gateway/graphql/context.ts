/**
 * What every resolver receives. One context per operation (per HTTP request, per WebSocket
 * subscribe): the read model is taken from the store once, on first use, so a whole query sees one
 * consistent snapshot, and per-request loaders never outlive it.
 */
import type DataLoader from 'dataloader';
import type { ReadModel, TargetedCluster } from '../fleet/read-model.js';

/**
 * Who is asking. The seam for per-user access: the server fills it from the request (today only
 * "anonymous" or a name a trusted proxy asserted), and reads go through {@link GraphQLContext.authorize}.
 */
export type Caller =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly name: string; readonly groups: readonly string[] };

export const ANONYMOUS: Caller = { kind: 'anonymous' };

/** Per-operation caches for derived views resolvers ask for more than once per query. */
export interface Loaders {
  /** Clusters a Bundle's targets select, keyed by the Bundle's key. */
  readonly targetedClusters: DataLoader<string, readonly TargetedCluster[]>;
}

export interface GraphQLContext {
  /** The read model over one store snapshot, shared by every resolver of the operation. */
  readonly readModel: ReadModel;
  readonly loaders: Loaders;
  readonly caller: Caller;
  /** The fleet-graph version serving the operation. */
  readonly version: string;
}
