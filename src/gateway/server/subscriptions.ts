/**
 * Connection-level limits and slow-consumer handling for graphql-ws. Each subscriber already has a
 * bounded queue (fleet/live/events); what belongs to the transport is closing a connection with a clear
 * code and reason, capping subscriptions per connection and connections per client address.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../shared/logger.js';

export interface SubscriptionLimits {
  /** Most subscriptions one WebSocket connection may run at once. */
  readonly subscriptionsPerConnection: number;
  /** Most WebSocket connections from one client address. */
  readonly connectionsPerClient: number;
  /**
   * Most bytes a connection may have queued in its socket, unsent, when another message is due.
   * graphql-ws waits for each send per subscription, so this grows only with many subscriptions
   * on one connection whose reader stalled; past it the connection is closed like a slow subscriber.
   */
  readonly maxBufferedBytes: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = {
  subscriptionsPerConnection: 100,
  connectionsPerClient: 50,
  maxBufferedBytes: 16 * 1024 * 1024,
};

/** Close code for limits (graphql-ws leaves 4400–4499 to the application). */
export const TOO_MANY_CLOSE_CODE = 4429;

/** How long a socket that was told to close may take to do so before it is cut. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Closes a socket with a code and reason, then cuts it if it does not finish closing: a client
 * that stopped reading never reads the close frame, and its unsent data would stay buffered.
 */
export function disconnector(socket: WebSocket): (code: number, reason: string) => void {
  return (code, reason) => {
    if (socket.readyState === socket.CLOSED) return;
    socket.close(code, reason.slice(0, 120));
    setTimeout(() => {
      if (socket.readyState !== socket.CLOSED) socket.terminate();
    }, CLOSE_GRACE_MS).unref();
  };
}

/** The error for one subscription over the per-connection limit (the socket's others keep flowing). */
export function subscriptionLimitErrors(
  active: number,
  limits: SubscriptionLimits,
): GraphQLError[] | undefined {
  if (active <= limits.subscriptionsPerConnection) return undefined;
  return [
    new GraphQLError(
      `This connection already runs ${limits.subscriptionsPerConnection} subscriptions, the most allowed.`,
      { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: limits.subscriptionsPerConnection } },
    ),
  ];
}

function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** Counts connections per client address; one over the limit is closed at once with 4429 and a reason. */
export function limitConnectionsPerClient(
  wss: WebSocketServer,
  limits: SubscriptionLimits,
  log: Logger,
): void {
  const open = new Map<string, number>();
  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    const client = clientAddress(req);
    const n = (open.get(client) ?? 0) + 1;
    if (n > limits.connectionsPerClient) {
      log.warn(
        { client, limit: limits.connectionsPerClient },
        'WebSocket connection refused: too many from this client',
      );
      socket.close(
        TOO_MANY_CLOSE_CODE,
        `TOO_MANY_SUBSCRIPTIONS: at most ${limits.connectionsPerClient} connections per client`,
      );
      return;
    }
    open.set(client, n);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left <= 0) open.delete(client);
      else open.set(client, left);
    });
  });
}

/** Closes a connection whose socket holds more unsent bytes than allowed (backpressure from its reader). */
export function checkBackpressure(socket: WebSocket, limits: SubscriptionLimits): void {
  if (socket.bufferedAmount > limits.maxBufferedBytes) {
    disconnector(socket)(
      TOO_MANY_CLOSE_CODE,
      `SUBSCRIBER_TOO_SLOW: more than ${limits.maxBufferedBytes} bytes unsent; resume with the last cursor received`,
    );
  }
}

/**
 * How long an SSE response that was ended (its subscription finished, or was cut off for falling
 * behind) may take to flush before its socket is destroyed: a reader that stopped reading never
 * takes the rest, and the socket and its unsent bytes would otherwise stay held for good.
 */
export const SSE_FLUSH_GRACE_MS = 5_000;

/**
 * Follows one SSE response. Its unsent bytes are bounded without help: the HTTP layer writes the
 * next event only after the socket drained (backpressure), so a reader that stops reading holds at
 * most the stream's high-water mark plus one event here, and its events wait in the subscriber's
 * bounded queue, which cuts it off (SUBSCRIBER_TOO_SLOW) when full. What is added here: once the
 * response has ended, it gets {@link SSE_FLUSH_GRACE_MS} to flush, then its socket is destroyed.
 */
export function trackSse(open: Set<ServerResponse>, res: ServerResponse): void {
  open.add(res);
  res.once('close', () => open.delete(res));
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    const r = end(...args);
    if (!res.writableFinished) {
      setTimeout(() => {
        if (!res.writableFinished) res.destroy();
      }, SSE_FLUSH_GRACE_MS).unref();
    }
    return r;
  }) as ServerResponse['end'];
}

/** Unsent bytes held for subscribers: per transport, and the most held for one stream. */
export interface StreamBuffers {
  readonly sseStreams: number;
  readonly sseUnsentBytes: number;
  readonly webSockets: number;
  readonly webSocketUnsentBytes: number;
  /** The most unsent bytes one SSE response or WebSocket holds. */
  readonly largestUnsentBytes: number;
}

export function measureStreamBuffers(
  sse: Iterable<ServerResponse>,
  sockets: Iterable<{ bufferedAmount: number } | undefined>,
): StreamBuffers {
  let sseStreams = 0;
  let sseUnsentBytes = 0;
  let webSockets = 0;
  let webSocketUnsentBytes = 0;
  let largestUnsentBytes = 0;
  for (const res of sse) {
    // The response's own buffer and the socket's (headers and chunk framing are written there).
    const n = res.writableLength + (res.socket?.writableLength ?? 0);
    sseStreams++;
    sseUnsentBytes += n;
    largestUnsentBytes = Math.max(largestUnsentBytes, n);
  }
  for (const s of sockets) {
    if (!s) continue;
    webSockets++;
    webSocketUnsentBytes += s.bufferedAmount;
    largestUnsentBytes = Math.max(largestUnsentBytes, s.bufferedAmount);
  }
  return { sseStreams, sseUnsentBytes, webSockets, webSocketUnsentBytes, largestUnsentBytes };
}

/** Limits shared by SSE streams and WebSocket connections (see {@link StreamLimiter}). */
export interface StreamLimits {
  /** Most SSE streams plus WebSocket connections open at once for one caller. */
  readonly streamsPerIdentity: number;
  /** Most SSE streams plus WebSocket connections open at once from one client address. */
  readonly streamsPerAddress: number;
  /** Most subscriptions (SSE streams and WebSocket operations) the gateway runs at once. */
  readonly maxSubscriptions: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  streamsPerIdentity: 50,
  streamsPerAddress: 50,
  maxSubscriptions: 10_000,
};

/** Seconds a client refused for too many streams is told to wait (SSE `Retry-After`). */
export const STREAM_RETRY_AFTER_SECONDS = 5;

export interface StreamRefusal {
  readonly code: 'TOO_MANY_SUBSCRIPTIONS';
  readonly message: string;
  readonly limit: number;
}

/** Who a caller is, for limits: the user name when authenticated, else the client address. */
export function identityKey(caller: { kind: string; name?: string } | undefined, address: string): string {
  return caller?.kind === 'user' && caller.name ? `user:${caller.name}` : `address:${address}`;
}

/**
 * Counts what one caller and one address hold open across both transports: an SSE stream and a
 * WebSocket connection each take one slot of the caller and one of the address for as long as they
 * are open, and the gateway's subscriptions are counted together. Each release is idempotent, so
 * a stream that ends twice (close after error) frees its slot once.
 */
export class StreamLimiter {
  private readonly byIdentity = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();
  private sse = 0;
  private wsSubscriptions: () => number = () => 0;

  constructor(readonly limits: StreamLimits) {}

  /** How many WebSocket operations run now (the server tells the limiter how to count them). */
  countWebSocketOperations(count: () => number): void {
    this.wsSubscriptions = count;
  }

  /** Subscriptions running now, on both transports. */
  subscriptions(): number {
    return this.sse + this.wsSubscriptions();
  }

  /** One more subscription, if the gateway-wide limit allows it. */
  subscriptionRefusal(): StreamRefusal | undefined {
    const max = this.limits.maxSubscriptions;
    if (this.subscriptions() < max) return undefined;
    return {
      code: 'TOO_MANY_SUBSCRIPTIONS',
      message: `The gateway already runs ${max} subscriptions, the most allowed; retry later.`,
      limit: max,
    };
  }

  /**
   * Why one more stream for this caller (when known) at this address would be refused, without
   * taking a slot: the server asks this before reading a body, so a flood of streams past the
   * limit costs a header check each instead of a parse, a validation and a context.
   */
  refusal(identity: string | undefined, address: string, subscription = false): StreamRefusal | undefined {
    const { streamsPerIdentity, streamsPerAddress } = this.limits;
    if ((this.byAddress.get(address) ?? 0) >= streamsPerAddress) {
      return {
        code: 'TOO_MANY_SUBSCRIPTIONS',
        message: `This address already holds ${streamsPerAddress} streams and connections, the most allowed.`,
        limit: streamsPerAddress,
      };
    }
    if (identity !== undefined && (this.byIdentity.get(identity) ?? 0) >= streamsPerIdentity) {
      return {
        code: 'TOO_MANY_SUBSCRIPTIONS',
        message: `This caller already holds ${streamsPerIdentity} streams and connections, the most allowed.`,
        limit: streamsPerIdentity,
      };
    }
    return subscription ? this.subscriptionRefusal() : undefined;
  }

  /**
   * Opens a stream (an SSE response or a WebSocket connection) for a caller at an address: a
   * release function, or why not. `subscription` also takes a gateway-wide subscription slot (SSE).
   */
  open(
    identity: string,
    address: string,
    subscription = false,
  ): { release: () => void; refusal?: undefined } | { release?: undefined; refusal: StreamRefusal } {
    const refusal = this.refusal(identity, address, subscription);
    if (refusal) return { refusal };
    if (subscription) this.sse++;
    const bump = (m: Map<string, number>, k: string, d: number) => {
      const n = (m.get(k) ?? 0) + d;
      if (n <= 0) m.delete(k);
      else m.set(k, n);
    };
    bump(this.byIdentity, identity, 1);
    bump(this.byAddress, address, 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        bump(this.byIdentity, identity, -1);
        bump(this.byAddress, address, -1);
        if (subscription) this.sse--;
      },
    };
  }
}
