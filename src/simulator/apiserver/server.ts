/**
 * The HTTP face of the emulator: one port serving HTTP and HTTPS, authentication, fault injection
 * and the dispatch of each request to discovery/OpenAPI (nonresource.ts) or the REST verbs
 * (resources.ts), with request decoding in request.ts, routing in routing.ts, content negotiation
 * and response writing in http.ts and watch streams in watch.ts.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify as stringifyYaml } from 'yaml';
import type { KubeObject } from '../../apis/kube.js';
import { SystemClock, type Clock } from '../../shared/clock.js';
import { writeFileAtomic } from '../../shared/files.js';
import type { Logger } from '../../shared/logger.js';
import { Auth, type AuthOptions, type TokenEntry } from './auth/index.js';
import { Engine, refOf } from './engine.js';
import { faultStatus, methodNotAllowed, notFound } from './errors.js';
import {
  FaultState,
  type FailRequestsOptions,
  type FaultMatch,
  type Faults,
  type GoneOptions,
} from './faults.js';
import { send, sendError, statusOf } from './http.js';
import { serveNonResource, type DiscoveryContext } from './nonresource.js';
import { openApiV3Docs } from './openapi.js';
import { parseQuery } from './request.js';
import { serveResource, type ResourceContext } from './resources.js';
import { route as routeOf, verbOf } from './routing.js';
import { selfSignedCertificate } from './tls.js';
import type { WatchStream } from './watch.js';

export interface ApiServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /**
   * Bearer tokens the server accepts. Strings are admin tokens (group `system:masters`), the first
   * of them the kubeconfig's; entries are ordinary users, judged by RBAC. Without any string, one
   * random admin token.
   */
  tokens?: (string | TokenEntry)[];
  /** kube-apiserver's `--token-auth-file`: CSV `token,user,uid,"group1,group2"` (see auth/tokens.ts). */
  tokenAuthFile?: AuthOptions['tokenAuthFile'];
  /** kube-apiserver's `--api-audiences`; default `https://kubernetes.default.svc`. */
  apiAudiences?: AuthOptions['apiAudiences'];
  /** kube-apiserver's `--audit-log-path`: audit.k8s.io/v1 Events at the Metadata level, one JSON line each. */
  auditLogPath?: AuthOptions['auditLogPath'];
  /**
   * Watch events retained per resource (as kube-apiserver's watch cache keeps a window per resource)
   * for resuming watches and paging old snapshots; default 10000. Older versions get 410.
   */
  historySize?: number;
  /** How often open watches that asked for bookmarks get one; default 10 s (real servers: ~1 min). */
  bookmarkIntervalMs?: number;
  /** How a watch from a version older than the history fails: an ERROR event (as kube-apiserver's watch cache does, the default) or an HTTP 410. */
  tooOldWatch?: 'event' | 'status';
  /**
   * How long a watch or list asking for a resourceVersion newer than the server's waits for it
   * before failing with 504 "Too large resource version" (kube-apiserver's watch cache: 3 s).
   */
  tooLargeWaitMs?: number;
  logger?: Logger;
  /** Source of timestamps (creationTimestamp, deletionTimestamp, ages); default SystemClock. */
  clock?: Clock;
}

export interface ApiServer {
  /** Plain-HTTP base URL, e.g. `http://127.0.0.1:6443` (client-node needs `skipTLSVerify` for it). */
  readonly url: string;
  /** The same port over TLS, e.g. `https://127.0.0.1:6443`, with {@link caCertificate} as trust anchor. */
  readonly httpsUrl: string;
  /** PEM of the self-signed serving certificate. */
  readonly caCertificate: string;
  readonly port: number;
  readonly token: string;
  /**
   * A kubeconfig object (clusters, users, contexts) with the token, pointing at {@link httpsUrl}
   * with the CA: kubectl sends bearer tokens only over TLS; client-node accepts it as well.
   */
  kubeconfig(): Record<string, unknown>;
  /** A client-node KubeConfig for {@link url} (plain HTTP, `skipTLSVerify: true`) with the token. */
  kubeConfig(): KubeConfig;
  /** Writes the kubeconfig as YAML, usable by kubectl and client-node. */
  writeKubeconfig(file: string): Promise<void>;
  /** In-process bulk create: assigns uid, resourceVersion and timestamps, validates, emits watch events. Keeps `status`. */
  seed(objects: KubeObject[]): KubeObject[];
  /** The current resourceVersion of the whole store. */
  readonly resourceVersion: string;
  readonly faults: Faults;
  /**
   * The emulator's own record of what happened: every committed change of one storage (e.g.
   * `bundledeployments.fleet.cattle.io`), in order, in process. Faults never touch it, so a test
   * can compare what clients saw through faulty watches with what really happened.
   */
  journal(
    storageKey: string,
    listener: (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject) => void,
  ): () => void;
  stop(): Promise<void>;
}

export class ApiServerImpl implements ApiServer {
  readonly engine: Engine;
  readonly clock: Clock;
  readonly watches = new Set<WatchStream>();
  readonly auth: Auth;
  readonly token: string;
  private readonly faultState = new FaultState();
  private readonly http: Server;
  private readonly https: Server;
  private readonly net: NetServer;
  private readonly sockets = new Set<Socket>();
  private readonly cert: { keyPem: string; certPem: string };
  private readonly log: Logger | undefined;
  private readonly resources: ResourceContext;
  private readonly discovery: DiscoveryContext;
  private openApiV3Cache: Map<string, string> | undefined;
  url = '';
  httpsUrl = '';
  port = 0;

  constructor(private readonly opts: ApiServerOptions) {
    this.clock = opts.clock ?? new SystemClock();
    this.log = opts.logger;
    this.engine = new Engine({
      historySize: opts.historySize ?? 10_000,
      clock: this.clock,
      logger: opts.logger,
    });
    this.engine.onResourcesChanged = () => {
      this.openApiV3Cache = undefined;
    };
    for (const r of Auth.resources()) this.engine.registry.add(r);
    this.auth = new Auth(this.engine, opts);
    this.token = this.auth.adminToken;
    this.resources = {
      engine: this.engine,
      clock: this.clock,
      watches: this.watches,
      auth: this.auth,
      faultState: this.faultState,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 10_000,
      tooOldWatch: opts.tooOldWatch ?? 'event',
      tooLargeWaitMs: opts.tooLargeWaitMs ?? 3_000,
    };
    this.discovery = {
      registry: this.engine.registry,
      // The port is known only once listen() has bound it.
      address: () => `${opts.host ?? '127.0.0.1'}:${this.port}`,
      openApiDocs: () => this.openApiDocs(),
    };
    const flowSchema = randomUUID();
    const priorityLevel = randomUUID();
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      // API Priority and Fairness answers with these headers; client-go (kubectl ≥ 1.29) turns its
      // own 5-QPS client-side throttling off when it sees them, as against a real server.
      res.setHeader('X-Kubernetes-Pf-Flowschema-Uid', flowSchema);
      res.setHeader('X-Kubernetes-Pf-Prioritylevel-Uid', priorityLevel);
      this.handle(req, res).catch((e: unknown) => sendError(res, statusOf(e)));
    };
    this.http = createServer(handler);
    this.http.keepAliveTimeout = 60_000;
    const host = opts.host ?? '127.0.0.1';
    this.cert = selfSignedCertificate([
      '127.0.0.1',
      '::1',
      'localhost',
      ...(host === '0.0.0.0' || host === '::' ? [] : [host]),
    ]);
    this.https = createHttpsServer({ key: this.cert.keyPem, cert: this.cert.certPem }, handler);
    this.https.keepAliveTimeout = 60_000;
    // One port, two protocols: a TLS ClientHello starts with byte 0x16, anything else is HTTP.
    this.net = createNetServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.unshift(first);
        (first[0] === 0x16 ? this.https : this.http).emit('connection', socket);
        process.nextTick(() => socket.resume());
      });
    });
  }

  get caCertificate(): string {
    return this.cert.certPem;
  }

  /** The namespaces and RBAC policy every cluster starts with. */
  private bootstrap(): void {
    this.engine.seed([
      ...['default', 'kube-system', 'kube-public', 'kube-node-lease'].map((name) => ({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      })),
      ...Auth.bootstrapObjects(),
    ]);
  }

  async listen(): Promise<void> {
    this.bootstrap();
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.net.once('error', reject);
      this.net.listen(this.opts.port ?? 0, host, () => {
        this.net.off('error', reject);
        resolve();
      });
    });
    const addr = this.net.address() as AddressInfo;
    this.port = addr.port;
    const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    this.url = `http://${h}:${this.port}`;
    this.httpsUrl = `https://${h}:${this.port}`;
  }

  get resourceVersion(): string {
    return String(this.engine.store.resourceVersion);
  }

  kubeconfig(): Record<string, unknown> {
    return {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'fleet-graph-simulator',
          cluster: {
            server: this.httpsUrl,
            'certificate-authority-data': Buffer.from(this.cert.certPem).toString('base64'),
          },
        },
      ],
      users: [{ name: 'fleet-graph-simulator', user: { token: this.token } }],
      contexts: [
        {
          name: 'fleet-graph-simulator',
          context: { cluster: 'fleet-graph-simulator', user: 'fleet-graph-simulator' },
        },
      ],
      'current-context': 'fleet-graph-simulator',
      preferences: {},
    };
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    // client-node refuses plain http unless skipTLSVerify is set (docs/libraries.md §1.2).
    kc.loadFromOptions({
      clusters: [{ name: 'fleet-graph-simulator', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'fleet-graph-simulator', token: this.token }],
      contexts: [
        { name: 'fleet-graph-simulator', cluster: 'fleet-graph-simulator', user: 'fleet-graph-simulator' },
      ],
      currentContext: 'fleet-graph-simulator',
    });
    return kc;
  }

  async writeKubeconfig(file: string): Promise<void> {
    // Holds the emulator's token: owner-only, written whole, never through a planted symlink.
    await writeFileAtomic(file, stringifyYaml(this.kubeconfig()), 0o600);
  }

  seed(objects: KubeObject[]): KubeObject[] {
    return this.engine.seed(objects);
  }

  journal(
    storageKey: string,
    listener: (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject) => void,
  ): () => void {
    const storage = this.engine.store.storage(storageKey);
    const watcher = {
      onEvent: (ev: { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject }) =>
        listener(ev.type, ev.object),
    };
    storage.watchers.add(watcher);
    return () => storage.watchers.delete(watcher);
  }

  readonly faults: Faults = {
    endWatches: (match) => {
      let n = 0;
      for (const w of [...this.watches]) {
        if (match?.resource !== undefined && match.resource !== w.resource.plural) continue;
        w.end();
        n++;
      }
      return n;
    },
    failRequests: (o: FailRequestsOptions) => {
      this.faultState.fails.push({
        status: o.status,
        remaining: o.count ?? Infinity,
        until: o.durationMs !== undefined ? Date.now() + o.durationMs : Infinity,
        retryAfterSeconds: o.retryAfterSeconds,
        match: o.match ?? {},
      });
    },
    delayResponses: (ms: number, match?: FaultMatch) => {
      this.faultState.delays.push({ ms, match });
    },
    goneOnNextWatch: (match?: { resource?: string } & GoneOptions) => {
      this.faultState.gone.push({
        match: match?.resource !== undefined ? { resource: match.resource } : undefined,
        mode: match?.mode ?? 'status',
      });
    },
    silenceWatches: (match?: { resource?: string }) => {
      const m = { ...(match?.resource !== undefined ? { resource: match.resource } : {}) };
      this.faultState.silence.push(m);
      for (const w of this.watches)
        if (m.resource === undefined || m.resource === w.resource.plural) w.silent = true;
    },
    outage: () => {
      this.faultState.outage = true;
      for (const w of [...this.watches]) w.end();
    },
    clear: () => this.faultState.clear(),
  };

  async stop(): Promise<void> {
    this.engine.stop();
    for (const w of [...this.watches]) w.end();
    await new Promise<void>((resolve) => {
      this.net.close(() => resolve());
      this.http.closeAllConnections();
      this.https.closeAllConnections();
      for (const s of this.sockets) s.destroy();
      this.https.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    });
    await this.auth.close();
  }

  private openApiDocs(): Map<string, string> {
    this.openApiV3Cache ??= openApiV3Docs(this.engine.registry);
    return this.openApiV3Cache;
  }

  // ---- dispatch ------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    // Authentication, impersonation and RBAC (auth/), before anything else is looked at.
    this.auth.admit(req, res, url);
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      send(res, this.faultState.outage ? 503 : 200, 'ok', 'raw', 'text/plain; charset=utf-8');
      return;
    }
    const route = routeOf(this.engine, path);
    const q = parseQuery(url);
    const verb = route ? verbOf(method, route, q) : method.toLowerCase();
    const resourceName = route?.resource.plural ?? '';
    if (this.faultState.outage) throw faultStatus(503, 1);
    const fail = this.faultState.failure(verb, resourceName, Date.now());
    if (fail) throw faultStatus(fail.status, fail.retryAfterSeconds);
    const delay = this.faultState.delay(verb, resourceName);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (route) return serveResource(this.resources, req, res, route, verb, q);
    if (method !== 'GET') throw methodNotAllowed();
    serveNonResource(this.discovery, req, res, path);
  }
}

export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  const s = new ApiServerImpl(opts);
  await s.listen();
  return s;
}

export { notFound, refOf };
