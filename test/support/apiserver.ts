/**
 * Starting an emulator for a test: random port, a client-node KubeConfig, and stop for afterAll.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import {
  startApiServer,
  type ApiServer,
  type ApiServerOptions,
} from '../../src/simulator/apiserver/index.js';
import { installFleet } from '../../src/simulator/index.js';

export interface TestApiServer {
  server: ApiServer;
  kubeConfig: KubeConfig;
  url: string;
  token: string;
  stop(): Promise<void>;
}

export interface TestApiServerOptions extends ApiServerOptions {
  /** Install the project's Fleet CRDs and the fleet-local/fleet-default namespaces. Default false. */
  fleet?: boolean;
}

export async function startTestApiServer(opts: TestApiServerOptions = {}): Promise<TestApiServer> {
  const { fleet, ...rest } = opts;
  const server = await startApiServer({ port: 0, host: '127.0.0.1', bookmarkIntervalMs: 200, ...rest });
  if (fleet) installFleet(server);
  return {
    server,
    kubeConfig: server.kubeConfig(),
    url: server.url,
    token: server.token,
    stop: () => server.stop(),
  };
}
