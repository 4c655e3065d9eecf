/**
 * The operation a piece of work runs for, carried across awaits (AsyncLocalStorage). The server
 * enters it around each GraphQL execution; the logger stamps every line written inside it with the
 * operation's request id, so a refusal logged deep in a write command can be found from the id the
 * caller was given.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface RequestScope {
  readonly requestId: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` inside the scope of request `requestId`. */
export function inRequestScope<T>(requestId: string, fn: () => T): T {
  return scope.run({ requestId }, fn);
}

/** The request id of the operation this code runs for, if any. */
export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}
