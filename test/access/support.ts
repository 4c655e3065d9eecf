/**
 * A gateway with `--auth kubernetes` over an emulator that speaks Kubernetes auth (token file,
 * RBAC, TokenReview, SubjectAccessReview, impersonation, audit log). Three identities: the
 * gateway's own (the emulator's admin token, used for watches, reviews and impersonation), `alice`
 * (GitRepos get/list/watch/patch in team-a; Clusters and Bundles list in team-a; BundleDeployments
 * list in team-a's two cluster namespaces, each through its own RoleBinding) and `bob` (no rights).
 */
import { Writable } from 'node:stream';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { pino, type Logger } from 'pino';
import { requestIdMixin } from '../../src/shared/logger.js';
import WebSocket from 'ws';
import type { KubeObject } from '../../src/apis/kube.js';
import { loadConfig } from '../../src/config.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway.js';
import { startAuthApiServer, type AuthFixture } from '../support/auth.js';

export { ALICE, BOB, bearer } from '../support/auth.js';

const labels = (repo: string, ws: string, bundle: string, cluster: string) => ({
  'fleet.cattle.io/repo-name': repo,
  'fleet.cattle.io/bundle-name': bundle,
  'fleet.cattle.io/bundle-namespace': ws,
  'fleet.cattle.io/cluster': cluster,
  'fleet.cattle.io/cluster-namespace': ws,
});

export const clusterNamespace = (ws: string, cluster: string) => `cluster-${ws}-${cluster}`;

function cluster(ws: string, name: string): KubeObject {
  return {
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name, namespace: ws, labels: { env: 'dev' } },
    spec: {},
    status: { namespace: clusterNamespace(ws, name) },
  } as KubeObject;
}

function bundle(ws: string): KubeObject {
  return {
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'Bundle',
    metadata: { name: 'app-simple', namespace: ws, labels: { 'fleet.cattle.io/repo-name': 'app' } },
    spec: { targets: [{ clusterSelector: {} }] },
  } as KubeObject;
}

export function deployment(ws: string, clusterName: string, extra: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'BundleDeployment',
    metadata: {
      name: 'app-simple',
      namespace: clusterNamespace(ws, clusterName),
      labels: { ...labels('app', ws, 'app-simple', clusterName), ...extra },
    },
    spec: { deploymentID: 's-1:abc' },
  } as KubeObject;
}

const rbac = (kind: string, body: Record<string, unknown>) =>
  ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, ...body }) as KubeObject;

function role(namespace: string, name: string, resources: string[]): KubeObject {
  return rbac('Role', {
    metadata: { name, namespace },
    rules: [{ apiGroups: ['fleet.cattle.io'], resources, verbs: ['get', 'list', 'watch'] }],
  });
}

function binding(namespace: string, name: string, roleName: string): KubeObject {
  return rbac('RoleBinding', {
    metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
  });
}

/** The Fleet objects of team-a (two clusters) and team-b (one), and alice's read rights beyond GitRepos. */
export function fleetObjects(): KubeObject[] {
  const nsA1 = clusterNamespace('team-a', 'a1');
  const nsA2 = clusterNamespace('team-a', 'a2');
  const nsB1 = clusterNamespace('team-b', 'b1');
  return [
    ...[nsA1, nsA2, nsB1].map((name): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    })),
    cluster('team-a', 'a1'),
    cluster('team-a', 'a2'),
    cluster('team-b', 'b1'),
    bundle('team-a'),
    bundle('team-b'),
    deployment('team-a', 'a1'),
    deployment('team-a', 'a2'),
    deployment('team-b', 'b1'),
    role('team-a', 'fleet-reader', ['clusters', 'bundles']),
    binding('team-a', 'alice-fleet-reader', 'fleet-reader'),
    role(nsA1, 'deployment-reader', ['bundledeployments']),
    binding(nsA1, 'alice-deployments', 'deployment-reader'),
    role(nsA2, 'deployment-reader', ['bundledeployments']),
    binding(nsA2, 'alice-deployments', 'deployment-reader'),
  ];
}

/** A pino logger whose lines are kept, to check what the gateway logs. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'info', mixin: requestIdMixin }, sink), lines };
}

export interface AuthGateway {
  fx: AuthFixture;
  gw: Gateway;
  /** The emulator's admin token (the gateway's own identity). */
  adminToken: string;
  logLines: string[];
  stop(): Promise<void>;
}

export async function startAuthGateway(args: string[] = []): Promise<AuthGateway> {
  const fx = await startAuthApiServer({ audit: true });
  fx.t.server.seed(fleetObjects());
  const { logger, lines } = capturingLogger();
  const gw = await startGateway({
    config: loadConfig(
      [
        'serve',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--auth',
        'kubernetes',
        '--auth-cache-seconds',
        '1',
        '--access-cache-seconds',
        '1',
        ...args,
      ],
      {},
    ),
    kubeConfig: fx.t.kubeConfig,
    logger,
    watchTuning: { backoff: { initialMs: 20, maxMs: 200 }, minReconnectDelayMs: 10 },
    shutdownGraceMs: 100,
    // Short, so a write the watch does not bring back is reported quickly.
    writeWaitMs: 3_000,
  });
  try {
    await gw.synced;
  } catch (e) {
    await gw.stop();
    await fx.stop();
    throw e;
  }
  return {
    fx,
    gw,
    adminToken: fx.t.token,
    logLines: lines,
    async stop() {
      await gw.stop();
      await fx.stop();
    },
  };
}

/** Arbitrary JSON from a response, read field by field in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface GqlResult<T = Json> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

/** One GraphQL request over HTTP, with a bearer token when given. */
export async function gql<T = Json>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GqlResult<T>, 'status' | 'headers'>;
  return { status: res.status, headers: res.headers, ...body };
}

export interface WsSession {
  client: Client;
  closes: { code: number; reason: string }[];
  dispose(): Promise<void>;
}

/** A graphql-ws client that sends the token in connection_init (or nothing). */
export function wsSession(url: string, token?: string): WsSession {
  const closes: { code: number; reason: string }[] = [];
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    // The refused connections are the point of some tests; the client would print them.
    onNonLazyError: () => undefined,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: {
      closed: (e) => {
        const ev = e as { code: number; reason: string };
        closes.push({ code: ev.code, reason: String(ev.reason) });
      },
    },
  });
  return { client, closes, dispose: async () => await client.dispose() };
}

export { print };
