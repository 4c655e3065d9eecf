/**
 * One execution per subscription event per group of identical subscribers.
 *
 * Without this, every subscriber executes every event against its own copy of the operation and
 * serializes its own result, so a change seen by 1,000 subscribers costs 1,000 executions and
 * 1,000 `JSON.stringify`s. Subscribers whose answers cannot differ form a group: the same
 * document and operation, the same variables, and the same caller (what an answer holds depends on
 * the caller's rights when authentication is on). An event is executed once for its group and the
 * same result object — and, through {@link SharedSubscriptions.json}, the same serialized bytes —
 * goes to every member.
 *
 * What stays per subscriber is everything that decides *which* events a subscriber gets: its own
 * source stream from the event engine (filter, `after` cursor, replay, RESYNC_REQUIRED, its bounded
 * queue), the re-check of the caller's rights on each event, and its status events. Sharing is
 * keyed by the event object the engine hands to every matching subscriber, so an event that one
 * member's filter or rights reject never reaches the others through the cache.
 *
 * A result is reused only at the store revision it was executed at: a member that reaches the
 * event after the store changed (a replay, a slow reader) executes it again, exactly as it would
 * alone. Entries live until the store revision moves on, so the cache holds at most the events
 * delivered at one revision.
 */
import { buildExecutionContext, execute } from '@graphql-tools/executor';
import {
  createSourceEventStream,
  getOperationAST,
  GraphQLError,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Caller, GraphQLContext } from '../context.js';

/** How many executions the groups ran and how many deliveries reused one (for tests and metrics). */
export interface SharedSubscriptionStats {
  /** Subscription events executed (one per event per group, plus re-executions after a store change). */
  readonly executions: number;
  /** Deliveries served from another member's execution. */
  readonly reused: number;
}

export interface SharedSubscriptionsOptions {
  /** The store's revision now: a result is reused only while it is unchanged. */
  readonly revision: () => number;
  /** Called on every execution with its group key (tests count executions per group with it). */
  readonly onExecute?: ((group: string) => void) | undefined;
}

/** Who a caller is, for grouping: answers never pass between callers with different rights. */
export function accessKey(caller: Caller): string {
  if (caller.kind !== 'user') return 'anonymous';
  // Everything a TokenReview says about the user can change what Kubernetes allows it.
  const extra = caller.extra
    ? Object.keys(caller.extra)
        .sort()
        .map((k) => [k, [...caller.extra![k]!].sort()])
    : [];
  return JSON.stringify(['user', caller.name, caller.uid ?? null, [...caller.groups].sort(), extra]);
}

/**
 * Documents in one canonical text: the same operation sent with other spacing, or reaching the
 * gateway by another transport (whose parser may keep the source text or not), is one document.
 */
const printed = new WeakMap<DocumentNode, string>();
function documentText(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) printed.set(document, (text = print(document)));
  return text;
}

/** The identity of an operation's answers: document, operation, variables and caller. */
export function groupKey(args: ExecutionArgs): string {
  const ctx = args.contextValue as Partial<GraphQLContext> | undefined;
  return JSON.stringify([
    documentText(args.document),
    args.operationName ?? null,
    args.variableValues ?? {},
    ctx?.caller ? accessKey(ctx.caller) : 'anonymous',
  ]);
}

type Executed = ExecutionResult | Promise<ExecutionResult>;

export class SharedSubscriptions {
  private readonly revision: () => number;
  private readonly onExecute: ((group: string) => void) | undefined;
  /** Results by event, then group, all executed at `atRevision`. */
  private results = new Map<object, Map<string, Executed>>();
  private atRevision = -1;
  private readonly serialized = new WeakMap<ExecutionResult, string>();
  private executions = 0;
  private reused = 0;

  constructor(opts: SharedSubscriptionsOptions) {
    this.revision = opts.revision;
    this.onExecute = opts.onExecute;
  }

  stats(): SharedSubscriptionStats {
    return { executions: this.executions, reused: this.reused };
  }

  /** The result of `event` for `group`: executed by `run` once per store revision. */
  result(event: unknown, group: string, run: () => Executed): Executed {
    if (typeof event !== 'object' || event === null) return this.count(group, run);
    const revision = this.revision();
    if (revision !== this.atRevision) {
      this.results = new Map();
      this.atRevision = revision;
    }
    let byGroup = this.results.get(event);
    if (!byGroup) this.results.set(event, (byGroup = new Map<string, Executed>()));
    const found = byGroup.get(group);
    if (found !== undefined) {
      this.reused++;
      return found;
    }
    const made = this.count(group, run);
    byGroup.set(group, made);
    // A failed execution is not kept: the next member tries again and gets its own error.
    if (made instanceof Promise) made.catch(() => byGroup.delete(group));
    return made;
  }

  private count(group: string, run: () => Executed): Executed {
    this.executions++;
    this.onExecute?.(group);
    return run();
  }

  /**
   * A result as JSON, made once per result object: every member of a group holds the same
   * object, so the bytes are serialized once and written to each of them.
   */
  json(result: ExecutionResult, make: (r: ExecutionResult) => string): string {
    let s = this.serialized.get(result);
    if (s === undefined) this.serialized.set(result, (s = make(result)));
    return s;
  }

  /**
   * The envelop plugin: subscriptions get their source stream as usual (per subscriber), and
   * each event's execution from the group. Other plugins' per-event hooks still run for every
   * subscriber (counts, freshness, error masking).
   */
  plugin(): Plugin {
    return {
      onSubscribe: ({ subscribeFn, setSubscribeFn }) => {
        const alone = (args: ExecutionArgs) => subscribeFn(args) as unknown;
        setSubscribeFn((args) => this.subscribe(args, alone) as never);
      },
    };
  }

  private async subscribe(args: ExecutionArgs, alone: (args: ExecutionArgs) => unknown): Promise<unknown> {
    // Arguments that do not make an operation (bad variables): the executor's own error answer.
    if (!('schema' in buildExecutionContext(args))) return alone(args);
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const group = groupKey(args);
    const operation = getOperationAST(args.document, args.operationName) ?? undefined;
    const run = (payload: unknown) => () =>
      execute({ ...args, rootValue: payload }) as ExecutionResult | Promise<ExecutionResult>;
    return mapEvents(
      source,
      (payload) => this.result(payload, group, run(payload)),
      // A failing stream (a subscriber cut off) is an error of the operation, as the executor makes it.
      (e) => new GraphQLError(e.message, { originalError: e, nodes: operation }),
    );
  }
}

/**
 * `source` with each event replaced by its result; `return()` reaches the source at once. A source
 * that fails (a subscriber cut off for falling behind: SUBSCRIBER_TOO_SLOW) ends the stream with one
 * last result carrying the error. Thrown instead, it would reach the SSE transport as a broken
 * response stream that never sends the error nor ends; as a result, both transports deliver it as
 * an answer (WebSocket subscribers are also closed with 4429 by the overflow callback).
 */
function mapEvents(
  source: AsyncIterable<unknown>,
  map: (payload: unknown) => Executed,
  wrap: (error: Error) => GraphQLError,
): AsyncIterableIterator<ExecutionResult, void> {
  const it = source[Symbol.asyncIterator]();
  let failed = false;
  const out: AsyncIterableIterator<ExecutionResult, void> = {
    async next() {
      if (failed) return { done: true, value: undefined };
      let r: IteratorResult<unknown>;
      try {
        r = await it.next();
      } catch (e) {
        failed = true;
        return { done: false, value: { errors: [wrap(e instanceof Error ? e : new Error(String(e)))] } };
      }
      if (r.done) return { done: true, value: undefined };
      return { done: false, value: await map(r.value) };
    },
    async return() {
      await it.return?.();
      return { done: true, value: undefined };
    },
    async throw(e: unknown) {
      await it.return?.();
      throw e;
    },
    [Symbol.asyncIterator]() {
      return out;
    },
  };
  return out;
}
