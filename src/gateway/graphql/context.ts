/**
 * What every resolver receives. One context per operation (per HTTP request, per WebSocket
 * subscribe): the read model is taken from the store once, on first use, so a whole query sees one
 * consistent snapshot, and per-request loaders never outlive it.
 */
import DataLoader from 'dataloader';
import type { FleetCommands, OperationSigner } from '../fleet/commands/index.js';
import type { FleetDetails } from '../fleet/details.js';
import type { FleetReadModel } from '../fleet/index.js';
import type { BundleRecord, TargetedCluster } from '../fleet/rules/read-model.js';

/**
 * Who is asking. With `--auth kubernetes` the server fills it from a TokenReview of the caller's
 * bearer token (name, uid, groups and extra as Kubernetes reported them, so impersonated writes
 * and audit match a direct call); with `--auth none` every caller is anonymous.
 */
export type Caller =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'user';
      readonly name: string;
      readonly uid?: string | undefined;
      readonly groups: readonly string[];
      readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
    };

export const ANONYMOUS: Caller = { kind: 'anonymous' };

/** One access question, in Kubernetes' terms (a SubjectAccessReview's resource attributes). */
export interface AccessQuestion {
  readonly verb: string;
  /** API group: `fleet.cattle.io`, or `''` for the core group. */
  readonly group: string;
  /** Plural resource name, e.g. `gitrepos`, `secrets`. */
  readonly resource: string;
  /** The namespace; absent or `''` asks about every namespace (cluster scope). */
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  readonly subresource?: string | undefined;
}

/**
 * What the caller may do, answered by Kubernetes (SubjectAccessReview, cached briefly per
 * identity). Use it for decisions beside the read model, e.g. "may this caller get Secrets in
 * this namespace". Without authentication (`--auth none`) it answers true.
 */
export interface CallerAccess {
  can(question: AccessQuestion): Promise<boolean>;
}

/** The access of a gateway that does not authenticate: everything is allowed. */
export const ALLOW_EVERYTHING: CallerAccess = { can: () => Promise.resolve(true) };

/** Where an operation came from, for the audit of writes (never a credential). */
export interface RequestSource {
  readonly address?: string | undefined;
  readonly origin?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** Per-operation caches for derived views resolvers ask for more than once per query. */
export interface Loaders {
  /** Clusters a Bundle's targets select, keyed by the Bundle's key. */
  readonly targetedClusters: DataLoader<BundleRecord, readonly TargetedCluster[], string>;
}

export interface GraphQLContext {
  /**
   * The read model over one store snapshot, shared by every resolver of the operation: the
   * ReadModel contract plus fleet/'s additions (recomputed statuses, targeting errors).
   */
  readonly readModel: FleetReadModel;
  readonly loaders: Loaders;
  readonly caller: Caller;
  /** What the caller may do, per verb, resource and namespace (see {@link CallerAccess}). */
  readonly access: CallerAccess;
  /** Where the operation came from (client address, Origin, User-Agent), when known. */
  readonly source?: RequestSource | undefined;
  /** The fleet-graph version serving the operation. */
  readonly version: string;
  /** The write commands (mutations); absent when the gateway serves reads only (tests over a snapshot). */
  readonly commands?: FleetCommands | undefined;
  /**
   * Details read from the API server on demand, batched per operation (one loader per context);
   * absent when the gateway serves a fixed snapshot (tests): those fields then answer UNAVAILABLE.
   */
  readonly details?: FleetDetails | undefined;
}

export interface ContextOptions {
  /** Takes a read model over the store's current snapshot; called at most once per operation. */
  readonly readModel: () => FleetReadModel;
  readonly caller: Caller;
  /** The caller's access (default: everything allowed, as without authentication). */
  readonly access?: CallerAccess | undefined;
  readonly source?: RequestSource | undefined;
  readonly version: string;
  /**
   * The one authorization point for reads: given the caller, returns the read model they may see
   * (e.g. one that filters out workspaces they cannot read, or throws FORBIDDEN). Resolvers never
   * check access themselves. Default: everything is visible.
   */
  readonly authorize?: ((model: FleetReadModel, caller: Caller) => FleetReadModel) | undefined;
  /** The write commands behind the mutations (they authorize each command themselves). */
  readonly commands?: FleetCommands | undefined;
  /** Details on demand for this operation (a fresh per-operation loader). */
  readonly details?: FleetDetails | undefined;
}

/**
 * A read model that takes its snapshot on first use. The context is copied by yoga and envelop
 * (spread into the server context), which would run a getter early; a forwarding proxy survives the
 * copy and stays lazy, so introspection and `version` never take a snapshot, and every resolver of
 * the operation still sees the same one.
 */
function lazyReadModel(take: () => FleetReadModel): FleetReadModel {
  let model: FleetReadModel | undefined;
  const real = () => (model ??= take());
  return new Proxy({} as FleetReadModel, {
    get(_target, prop) {
      const m = real();
      const value: unknown = Reflect.get(m, prop, m);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(m) : value;
    },
  });
}

/** One operation's context: a lazy read model, per-operation loaders, and the caller. */
/**
 * The key that verifies staged retarget records, or null for a gateway serving reads only (no
 * write side, no key): it then shows records unverified, and acts on none.
 */
export function signerOf(ctx: { readonly commands?: FleetCommands | undefined }): OperationSigner | null {
  return ctx.commands?.signer ?? null;
}

export function createContext(opts: ContextOptions): GraphQLContext {
  const authorize = opts.authorize;
  const readModel = lazyReadModel(
    authorize ? () => authorize(opts.readModel(), opts.caller) : opts.readModel,
  );
  return {
    readModel,
    caller: opts.caller,
    access: opts.access ?? ALLOW_EVERYTHING,
    source: opts.source,
    version: opts.version,
    commands: opts.commands,
    details: opts.details,
    loaders: {
      targetedClusters: new DataLoader<BundleRecord, readonly TargetedCluster[], string>(
        (bundles) => Promise.resolve(bundles.map((b) => readModel.targetedClusters(b))),
        { cacheKeyFn: (b) => b.key },
      ),
    },
  };
}
