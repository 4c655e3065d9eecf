/**
 * graphql-ws `next` frames written straight to the socket from shared bytes.
 *
 * graphql-ws would build and `JSON.stringify` a `{ id, type: "next", payload }` message for every
 * subscriber and event, and wait for each write to reach the kernel before taking the next event.
 * Members of a subscription group (graphql/subscriptions/shared.ts) hold the same result object,
 * so its JSON is made once and each frame is the subscriber's own prefix (which carries its
 * operation id) + that JSON + `}`: byte for byte what graphql-ws would have sent.
 *
 * The subscriber's pace still bounds what it is sent: while its socket holds unsent bytes, the
 * next frame waits for them to be written, so a reader that stops reading leaves the events in
 * its bounded engine queue, which cuts it off (SUBSCRIBER_TOO_SLOW) as before; and the
 * per-connection cap on unsent bytes still applies after every frame.
 */
import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import { checkBackpressure, type SubscriptionLimits } from './subscriptions.js';

/** The JSON of a result as graphql-ws sends it: errors (if any) last, each as `toJSON()` gives it. */
export function payloadJson(result: ExecutionResult): string {
  const { errors, ...rest } = result;
  if (!errors) return JSON.stringify(rest);
  return JSON.stringify({ ...rest, errors: errors.map((e) => e.toJSON()) });
}

/** Serializes a result, once per result object when the results are shared. */
export type ResultJson = (result: ExecutionResult, make: (r: ExecutionResult) => string) => string;

export interface DirectFrames {
  readonly socket: WebSocket;
  /** The subscription's operation id. */
  readonly id: string;
  readonly limits: SubscriptionLimits;
  readonly json?: ResultJson | undefined;
}

/**
 * `results` with every value written to the socket as a `next` frame. The returned stream yields
 * nothing: graphql-ws iterates it, so an end or an error still reaches the client after every
 * frame before it (a `complete` or an `error` message), and `return()` (the client's `complete`,
 * or the socket closing) stops the source at once.
 */
export function directFrames(
  results: AsyncIterable<ExecutionResult>,
  target: DirectFrames,
): AsyncIterableIterator<ExecutionResult, undefined> {
  const it = results[Symbol.asyncIterator]();
  const { socket, limits } = target;
  const prefix = `{"id":${JSON.stringify(target.id)},"type":"next","payload":`;
  const json = target.json ?? ((r, make) => make(r));
  const out: AsyncIterableIterator<ExecutionResult, undefined> = {
    async next() {
      for (;;) {
        const r = await it.next();
        if (r.done) return { done: true, value: undefined };
        // As graphql-ws does: nothing is sent on a socket that is no longer open.
        if (socket.readyState !== socket.OPEN) continue;
        const frame = prefix + json(r.value, payloadJson) + '}';
        if (socket.bufferedAmount > 0) {
          // The reader is behind: take no further event until this one is written.
          await new Promise<void>((resolve) => socket.send(frame, () => resolve()));
        } else socket.send(frame);
        checkBackpressure(socket, limits);
      }
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
