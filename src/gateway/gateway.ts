/**
 * The gateway: watches Fleet through client-node, keeps the read model, serves GraphQL.
 * (Placeholder: filled in by the read-path work.)
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../config.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

export interface GatewayOptions {
  readonly config: Config;
  /** The API server to watch; when absent, taken from `config.backend`. */
  readonly kubeConfig?: KubeConfig | undefined;
  readonly logger: Logger;
  readonly clock?: Clock;
}

export interface Gateway {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4000/graphql`. */
  readonly url: string;
  stop(): Promise<void>;
}

export function startGateway(_opts: GatewayOptions): Promise<Gateway> {
  return Promise.reject(new Error('the gateway is not built yet'));
}
