/**
 * API clients that act as someone else: every request carries `Impersonate-User`, one
 * `Impersonate-Group` line per group, `Impersonate-Uid` and one `Impersonate-Extra-<key>` line
 * per value, so the API server authorizes the request as that user and its audit names them
 * (`impersonatedUser`).
 *
 * client-node 1.4 holds one value per header name and node-fetch 2 joins an array into one
 * `a,b` line, which kube-apiserver reads as a single group named "a,b" (it does not split
 * commas). So these clients send through their own HTTP library: node:http(s) writes an array
 * header value as one line per value. TLS and credentials still come from the KubeConfig
 * (its auth method sets the agent and the Authorization header on each request).
 */
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  createConfiguration,
  ResponseContext,
  SelfDecodingBody,
  ServerConfiguration,
  wrapHttpLibrary,
  type ApiType,
  type Configuration,
  type KubeConfig,
  type RequestContext,
} from '@kubernetes/client-node';

/** Whom to act as: the user Kubernetes authenticated (TokenReview `status.user`). */
export interface Impersonation {
  readonly user: string;
  readonly uid?: string | undefined;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>> | undefined;
}

/** The impersonation headers, each list as one header line per value. */
export function impersonationHeaders(who: Impersonation): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'Impersonate-User': who.user };
  // Groups, once sent, are the whole list: without them the user would lose system:authenticated.
  if (who.groups.length > 0) headers['Impersonate-Group'] = [...who.groups];
  if (who.uid) headers['Impersonate-Uid'] = who.uid;
  for (const [key, values] of Object.entries(who.extra ?? {})) {
    // Extra keys travel in a header name: lower-case and percent-encoded (the API server decodes them).
    headers[`Impersonate-Extra-${encodeURIComponent(key.toLowerCase())}`] = [...values];
  }
  return headers;
}

function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function send(req: RequestContext, extra: OutgoingHttpHeaders): Promise<ResponseContext> {
  const url = new URL(req.getUrl());
  const body = req.getBody();
  if (body !== undefined && typeof body !== 'string')
    return Promise.reject(new Error('impersonating client: only string bodies are supported'));
  // The API server's audit records the user agent; say who is acting on the caller's behalf.
  const headers: OutgoingHttpHeaders = { 'User-Agent': 'fleet-graph', ...req.getHeaders(), ...extra };
  if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<ResponseContext>((resolve, reject) => {
    const r = request(
      url,
      {
        method: req.getHttpMethod().toString(),
        headers,
        agent: req.getAgent(),
        signal: req.getSignal(),
      },
      (res) => {
        const chunks: Buffer[] = [];
        const done = new Promise<Buffer>((ok, fail) => {
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => ok(Buffer.concat(chunks)));
          res.on('error', fail);
        });
        // The generated client reads the body after the status; read it fully first.
        done.then(
          (buf) =>
            resolve(
              new ResponseContext(
                res.statusCode ?? 0,
                flatHeaders(res.headers),
                new SelfDecodingBody(Promise.resolve(buf)),
              ),
            ),
          reject,
        );
      },
    );
    r.on('error', reject);
    if (body !== undefined) r.write(body);
    r.end();
  });
}

/** A client-node configuration whose requests impersonate `who`. */
export function impersonatingConfiguration(kubeConfig: KubeConfig, who: Impersonation): Configuration {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  const extra = impersonationHeaders(who);
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    httpApi: wrapHttpLibrary({ send: (req) => send(req, extra) }),
  });
}

/** `kubeConfig.makeApiClient(type)`, impersonating `who`. */
export function makeImpersonatingApiClient<T extends ApiType>(
  kubeConfig: KubeConfig,
  type: new (config: Configuration) => T,
  who: Impersonation,
): T {
  return new type(impersonatingConfiguration(kubeConfig, who));
}
