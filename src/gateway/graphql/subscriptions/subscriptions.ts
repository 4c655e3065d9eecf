/**
 * Why this file is over 400 lines: one field per subscription, each with its arguments,
 * description and translation to the engine; alike by design, they read as one catalogue.
 *
 * Live subscriptions: BundleDeployment events (resumable by cursor), a GitRepo or Cluster each time
 * it changes (coalesced), and inconsistencies appearing and clearing. The event engine
 * (fleet/live/events) does the work; these fields only translate arguments and resolve each event with a
 * fresh read model (see live.ts).
 */
import type { BundleState } from '../../../apis/fleet.js';
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';
import type {
  BundleDeploymentEvent,
  BundleDeploymentEventFilter,
  BundleDeploymentEventType,
  InconsistencyEvent,
  InconsistencyEventFilter,
  ObjectChange,
  Removal,
} from '../../fleet/live/events/index.js';
import type {
  ClusterRecord,
  GitRepoRecord,
  InconsistencyKind,
  RemovalReason,
} from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { BundleDeploymentRef } from '../bundledeployment/ref.js';
import { ClusterRef } from '../cluster/ref.js';
import { BundleStateEnum } from '../common/state.js';
import { GitRepoRef } from '../gitrepo/ref.js';
import { InconsistencyKindEnum } from '../inconsistency/inconsistency.js';
import { InconsistencyRef } from '../inconsistency/ref.js';
import { FreshnessRef } from '../common/freshness.js';
import { withStatusEvents } from './freshness.js';
import { liveOf, onOverflow, renew, renewed } from './live.js';
// retargetProgress, beside the other subscription fields.
import './retarget-progress.js';

/** Longest name Kubernetes allows (a DNS subdomain); longer filter values cannot match anything. */
const MAX_NAME = 253;
const MAX_LIST = 16;

function checkName(field: string, value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.length > MAX_NAME) {
    throw new FleetGraphError(ErrorCode.INVALID_ARGUMENT, `${field} is longer than ${MAX_NAME} characters`, {
      problems: [{ field, message: `at most ${MAX_NAME} characters` }],
    });
  }
  return value;
}

function checkList<T>(field: string, value: readonly T[] | null | undefined): readonly T[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.length > MAX_LIST) {
    throw new FleetGraphError(ErrorCode.INVALID_ARGUMENT, `${field} has more than ${MAX_LIST} entries`, {
      problems: [{ field, message: `at most ${MAX_LIST} entries` }],
    });
  }
  return value;
}

const EVENT_TYPES: Record<
  BundleDeploymentEventType,
  { value: BundleDeploymentEventType; description: string }
> = {
  ADDED: { value: 'ADDED', description: 'The BundleDeployment was created (or first seen after a relist).' },
  UPDATED: { value: 'UPDATED', description: 'Its state or status changed.' },
  TERMINATING: {
    value: 'TERMINATING',
    description: 'It was deleted and finalizers hold it: `metadata.deletionTimestamp` is set.',
  },
  REMOVED: {
    value: 'REMOVED',
    description: 'It is gone from the API server; `removal` says why and how long the cleanup took.',
  },
  RESYNC_REQUIRED: {
    value: 'RESYNC_REQUIRED',
    description:
      "Events may be missing, so query the current state again; live events follow. Sent when the `after` cursor is older than the replay buffer, comes from before the API server's history was replaced, or names a change this replica holds otherwise; and to every subscriber when the history is replaced (a new API server or a restored etcd on the same address).",
  },
  FRESHNESS_CHANGED: {
    value: 'FRESHNESS_CHANGED',
    description:
      'A status event: the watches behind this stream turned stale (events may be late; `freshness` says since when) or recovered. No deployment changed; its cursor is that of the last event. Always delivered, whatever the filter.',
  },
};

const BundleDeploymentEventTypeEnum = builder.enumType('BundleDeploymentEventType', {
  description: 'What happened to a BundleDeployment.',
  values: EVENT_TYPES,
});

const REASONS: Record<RemovalReason, { value: RemovalReason; description: string }> = {
  TARGET_REMOVED: {
    value: 'TARGET_REMOVED',
    description:
      "Its Bundle still exists but the Bundle's current targets no longer select its cluster, which makes it an orphan that Fleet deletes.",
  },
  BUNDLE_DELETED: {
    value: 'BUNDLE_DELETED',
    description: "Its Bundle was deleted, and Fleet deletes all of the Bundle's BundleDeployments with it.",
  },
  CLUSTER_DELETED: {
    value: 'CLUSTER_DELETED',
    description: 'Its Cluster was deleted, and its namespace with it.',
  },
  GITREPO_DELETED: {
    value: 'GITREPO_DELETED',
    description:
      'The GitRepo its Bundle came from was deleted (the cascade GitRepo → Bundles → BundleDeployments).',
  },
  UNKNOWN: {
    value: 'UNKNOWN',
    description: 'None of the above is visible: someone or something else deleted it.',
  },
};

const RemovalReasonEnum = builder.enumType('RemovalReason', {
  description: 'Why a BundleDeployment was removed.',
  values: REASONS,
});

const RemovalRef = builder.objectRef<Removal>('BundleDeploymentRemoval').implement({
  description: 'Why a BundleDeployment went away, and how long Fleet took to clean it up.',
  fields: (t) => ({
    reason: t.field({
      type: RemovalReasonEnum,
      description: 'Why it was removed.',
      resolve: (r) => r.reason,
    }),
    orphanedSince: t.field({
      type: 'DateTime',
      description:
        'When fleet-graph first saw it become an orphan (its stale finding), or saw the edit that doomed it (its Bundle, Cluster or GitRepo being deleted).',
      resolve: (r) => r.orphanedSince,
    }),
    cleanupLatencyMs: t.float({
      description: 'Milliseconds (whole) from `orphanedSince` to the removal, on the gateway clock.',
      resolve: (r) => r.cleanupLatencyMs,
    }),
  }),
});

const BundleDeploymentEventRef = builder.objectRef<BundleDeploymentEvent>('BundleDeploymentEvent').implement({
  description: 'One change of a BundleDeployment, in the order the API server reported it.',
  fields: (t) => ({
    type: t.field({
      type: BundleDeploymentEventTypeEnum,
      description: 'What happened.',
      resolve: (e) => e.type,
    }),
    cursor: t.exposeString('cursor', {
      description:
        'Opaque position of this event, derived from the Kubernetes resourceVersion: pass it as `after` to resume, on this or another fleet-graph replica.',
    }),
    observedAt: t.field({
      type: 'DateTime',
      description: 'When fleet-graph saw the change.',
      resolve: (e) => e.observedAt,
    }),
    bundleDeployment: t.field({
      type: BundleDeploymentRef,
      nullable: true,
      description:
        'The deployment after the change; its last known state for REMOVED; null for RESYNC_REQUIRED.',
      resolve: (e) => e.bundleDeployment ?? null,
    }),
    state: t.field({
      type: BundleStateEnum,
      nullable: true,
      description: 'Its derived state after the change (the last one for REMOVED).',
      resolve: (e) => e.state ?? null,
    }),
    previousState: t.field({
      type: BundleStateEnum,
      nullable: true,
      description: 'Its derived state before the change; null for ADDED and RESYNC_REQUIRED.',
      resolve: (e) => e.previousState ?? null,
    }),
    removal: t.field({
      type: RemovalRef,
      nullable: true,
      description: 'For REMOVED: why, and how long the cleanup took.',
      resolve: (e) => e.removal ?? null,
    }),
    viaRelist: t.exposeBoolean('viaRelist', {
      description: "True when a relist found the change (fleet-graph's watch was down when it happened).",
    }),
    freshness: t.field({
      type: FreshnessRef,
      description:
        'How current the stream is as this event is delivered: stale while a watch behind it (BundleDeployments, Bundles, Clusters) is failing or relisting. Also in `extensions.freshness`.',
      resolve: (_e, _a, ctx) => liveOf(ctx).freshness?.report(BD_EVENT_KINDS) ?? FRESH,
    }),
  }),
});

/** The kinds a BundleDeployment event is derived from. */
const BD_EVENT_KINDS = ['BundleDeployment', 'Bundle', 'Cluster'];
const FRESH = { synced: true, stale: false, staleKinds: [], staleSince: null };

const BundleDeploymentEventFilterInput = builder.inputType('BundleDeploymentEventFilter', {
  description:
    'Which BundleDeployment events to receive; all given criteria must hold. Each is matched against the deployment in the event (its last known state for REMOVED), by the labels Fleet puts on every BundleDeployment, so every criterion selects every event type alike. Names are names within a workspace: without `workspace`, a name matches in every workspace the caller may read.',
  fields: (t) => ({
    workspace: t.string({
      required: false,
      description:
        "The workspace: the Bundle's namespace (the deployment's `fleet.cattle.io/bundle-namespace` label).",
    }),
    gitRepo: t.string({
      required: false,
      description:
        'Only deployments of the GitRepo with this name (their `fleet.cattle.io/repo-name` label): deployments of hand-made Bundles and HelmOps never match.',
    }),
    bundle: t.string({
      required: false,
      description:
        'Only deployments of the Bundle with this name (their `fleet.cattle.io/bundle-name` label).',
    }),
    cluster: t.string({
      required: false,
      description: 'Only deployments to the Cluster with this name (their `fleet.cattle.io/cluster` label).',
    }),
    clusterGroup: t.string({
      required: false,
      description:
        "Only deployments to clusters this ClusterGroup (in `workspace`, else in the cluster's workspace) selects at the time of the event; a deleted cluster counts as last seen. A deployment removed because its cluster left the group no longer matches: filter its removal by `cluster` or `gitRepo` instead.",
    }),
    states: t.field({
      type: [BundleStateEnum],
      required: false,
      description:
        'Only events whose deployment is in one of these states after the change (last known, for removals).',
    }),
    types: t.field({
      type: [BundleDeploymentEventTypeEnum],
      required: false,
      description: 'Only these event types. RESYNC_REQUIRED is always delivered.',
    }),
  }),
});

interface EventFilterShape {
  readonly workspace?: string | null | undefined;
  readonly gitRepo?: string | null | undefined;
  readonly bundle?: string | null | undefined;
  readonly cluster?: string | null | undefined;
  readonly clusterGroup?: string | null | undefined;
  readonly states?: readonly BundleState[] | null | undefined;
  readonly types?: readonly BundleDeploymentEventType[] | null | undefined;
}

function eventFilter(f: EventFilterShape | null | undefined): BundleDeploymentEventFilter {
  return {
    workspace: checkName('filter.workspace', f?.workspace),
    gitRepo: checkName('filter.gitRepo', f?.gitRepo),
    bundle: checkName('filter.bundle', f?.bundle),
    cluster: checkName('filter.cluster', f?.cluster),
    clusterGroup: checkName('filter.clusterGroup', f?.clusterGroup),
    states: checkList('filter.states', f?.states),
    types: checkList('filter.types', f?.types),
  };
}

const InconsistencyEventTypeEnum = builder.enumType('InconsistencyEventType', {
  description: 'Whether a finding appeared or cleared.',
  values: {
    APPEARED: { value: 'APPEARED', description: 'The finding is new.' },
    CLEARED: { value: 'CLEARED', description: 'The finding no longer holds.' },
  } satisfies Record<InconsistencyEvent['type'], { value: InconsistencyEvent['type']; description: string }>,
});

const InconsistencyEventRef = builder.objectRef<InconsistencyEvent>('InconsistencyEvent').implement({
  description: 'An inconsistency appearing or clearing, with its age.',
  fields: (t) => ({
    type: t.field({
      type: InconsistencyEventTypeEnum,
      description: 'Appeared or cleared.',
      resolve: (e) => e.type,
    }),
    inconsistency: t.field({
      type: InconsistencyRef,
      description: 'The finding (as it was when it cleared, for CLEARED).',
      resolve: (e) => e.inconsistency,
    }),
    at: t.field({
      type: 'DateTime',
      description: 'When fleet-graph noticed the change.',
      resolve: (e) => e.at,
    }),
    ageSeconds: t.int({
      description: 'How long the finding has existed: 0 when it appears, its lifetime when it clears.',
      resolve: (e) => Math.floor(e.ageMs / 1000),
    }),
  }),
});

const InconsistencyEventFilterInput = builder.inputType('InconsistencyEventFilter', {
  description: 'Which inconsistency events to receive; all given criteria must hold.',
  fields: (t) => ({
    workspace: t.string({ required: false, description: 'Only findings in this workspace.' }),
    kinds: t.field({
      type: [InconsistencyKindEnum],
      required: false,
      description: 'Only these kinds of finding.',
    }),
    gitRepo: t.string({ required: false, description: 'Only findings about the GitRepo with this name.' }),
    cluster: t.string({ required: false, description: 'Only findings about the Cluster with this name.' }),
  }),
});

function inconsistencyFilter(
  f:
    | {
        workspace?: string | null;
        kinds?: readonly InconsistencyKind[] | null;
        gitRepo?: string | null;
        cluster?: string | null;
      }
    | null
    | undefined,
): InconsistencyEventFilter {
  return {
    workspace: checkName('filter.workspace', f?.workspace),
    kinds: checkList('filter.kinds', f?.kinds),
    gitRepo: checkName('filter.gitRepo', f?.gitRepo),
    cluster: checkName('filter.cluster', f?.cluster),
  };
}

type ChangedRecord<K extends 'GitRepo' | 'Cluster'> = K extends 'GitRepo' ? GitRepoRecord : ClusterRecord;

/**
 * The stream behind gitRepoChanged and clusterChanged: the object as this operation's snapshot
 * has it first (so a subscriber needs no query beside it), then each change the engine coalesces.
 */
function objectChanges<K extends 'GitRepo' | 'Cluster'>(
  ctx: GraphQLContext,
  kind: K,
  args: { namespace: string; name: string },
  lookup: (namespace: string, name: string) => ChangedRecord<K> | undefined,
) {
  const ns = checkName('namespace', args.namespace)!;
  const name = checkName('name', args.name)!;
  const current = lookup(ns, name);
  const live = liveOf(ctx);
  // A status event repeats the object as the store has it now; its answer's
  // `extensions.freshness` says whether that is stale. Never a null: that means deleted.
  return withStatusEvents(
    live.events.objectChanges(
      kind,
      ns,
      name,
      current && { record: current, observedAt: ctx.readModel.now, resourceVersion: current.resourceVersion },
    ),
    live.freshness,
    [kind],
    () => {
      renew(ctx);
      const now = lookup(ns, name);
      return now && { record: now, observedAt: ctx.readModel.now, resourceVersion: now.resourceVersion };
    },
  );
}

/** Each change resolved against the store as it is now; null once the object is deleted. */
function changedRecord<R>(change: ObjectChange<R>, _args: unknown, ctx: GraphQLContext): R | null {
  renew(ctx);
  return change.record ?? null;
}

builder.subscriptionType({
  description:
    'Live events, over graphql-ws (WebSocket, same path) or Server-Sent Events. A subscriber that falls too far behind is disconnected (close code 4429) and can resume with its last cursor. Every event carries `extensions.freshness` ({ synced, stale, staleKinds, staleSince }); when the watches behind a stream turn stale or recover, the stream says so (FRESHNESS_CHANGED for BundleDeployment events, the object again for gitRepoChanged and clusterChanged).',
});

builder.subscriptionFields((t) => ({
  bundleDeploymentEvents: t.field({
    type: BundleDeploymentEventRef,
    description:
      'BundleDeployment changes as the API server reports them: ADDED, UPDATED, TERMINATING, REMOVED (with reason and cleanup latency). With `after`, first every missed event from the replay buffer, or RESYNC_REQUIRED when the cursor cannot be served (older than the buffer, from a replaced history, or naming another change here).',
    args: {
      filter: t.arg({
        type: BundleDeploymentEventFilterInput,
        required: false,
        description: 'Which events.',
      }),
      after: t.arg.string({
        required: false,
        description: 'Resume after this cursor (from a previous event, on this or another replica).',
      }),
    },
    subscribe: (_r, args, ctx) => {
      const live = liveOf(ctx);
      return withStatusEvents(
        live.events.bundleDeploymentEvents(eventFilter(args.filter), checkName('after', args.after), {
          onOverflow: onOverflow(ctx),
        }),
        live.freshness,
        BD_EVENT_KINDS,
        () => live.events.freshnessEvent(),
      );
    },
    resolve: renewed,
  }),
  gitRepoChanged: t.field({
    type: GitRepoRef,
    nullable: true,
    description:
      'The GitRepo now, then again each time its spec, metadata or status changes (coalesced under load: a slow subscriber gets the newest, never skips it); null once when it is deleted, then the stream ends. When the watches behind it turn stale or recover, the GitRepo is sent again as a status event, with `extensions.freshness` saying which.',
    args: {
      namespace: t.arg.string({ required: true, description: 'Its namespace (workspace).' }),
      name: t.arg.string({ required: true, description: 'Its name.' }),
    },
    subscribe: (_r, a, ctx) => objectChanges(ctx, 'GitRepo', a, (ns, n) => ctx.readModel.gitRepo(ns, n)),
    resolve: changedRecord,
  }),
  clusterChanged: t.field({
    type: ClusterRef,
    nullable: true,
    description:
      'The Cluster now, then again each time its spec, metadata or status changes (coalesced under load, never skipping the newest); null once when it is deleted, then the stream ends. When the watches behind it turn stale or recover, the Cluster is sent again as a status event, with `extensions.freshness` saying which.',
    args: {
      namespace: t.arg.string({ required: true, description: 'Its namespace (workspace).' }),
      name: t.arg.string({ required: true, description: 'Its name.' }),
    },
    subscribe: (_r, a, ctx) => objectChanges(ctx, 'Cluster', a, (ns, n) => ctx.readModel.cluster(ns, n)),
    resolve: changedRecord,
  }),
  inconsistencyEvents: t.field({
    type: InconsistencyEventRef,
    description:
      'Stale or missing deployments and status mismatches as they appear and clear, with their age (some disagreement for a few seconds is normal: Fleet status trails deployments).',
    args: {
      filter: t.arg({ type: InconsistencyEventFilterInput, required: false, description: 'Which findings.' }),
    },
    subscribe: (_r, args, ctx) =>
      liveOf(ctx).events.inconsistencyEvents(inconsistencyFilter(args.filter), {
        onOverflow: onOverflow(ctx),
      }),
    resolve: renewed,
  }),
}));
