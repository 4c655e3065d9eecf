/**
 * Identities and RBAC for auth tests against the emulator: a token file with `alice` (may
 * get/list/watch/patch GitRepos in team-a only) and `bob` (no rights), plus the kubeconfig's
 * admin; and a raw HTTP helper that can send a header more than once.
 */
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../src/apis/kube.js';
import { startTestApiServer, type TestApiServer, type TestApiServerOptions } from './apiserver.js';

export const ALICE = 'alice-token-0123456789';
export const BOB = 'bob-token-0123456789';
export const TOKEN_FILE = `${ALICE},alice,alice-uid,"team-a-devs,readers"\n${BOB},bob,bob-uid\n`;

export const gitRepo = (namespace: string, name: string): KubeObject =>
  ({
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'GitRepo',
    metadata: { name, namespace },
    spec: { repo: 'https://github.com/rancher/fleet-examples', paths: ['simple'] },
  }) as KubeObject;

/** team-a and team-b, a GitRepo in each, and alice's Role and RoleBinding in team-a. */
export function teamObjects(): KubeObject[] {
  return [
    ...['team-a', 'team-b'].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    gitRepo('team-a', 'app'),
    gitRepo('team-b', 'app'),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'gitrepo-editor', namespace: 'team-a' },
      rules: [
        {
          apiGroups: ['fleet.cattle.io'],
          resources: ['gitrepos'],
          verbs: ['get', 'list', 'watch', 'patch'],
        },
      ],
    } as KubeObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'alice-gitrepos', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gitrepo-editor' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    } as KubeObject,
  ];
}

export interface AuthFixture {
  t: TestApiServer;
  dir: string;
  /** The audit log file, when asked for. */
  auditLog: string | undefined;
  stop(): Promise<void>;
}

/** An emulator with the Fleet CRDs, the token file above and the team objects. */
export async function startAuthApiServer(
  opts: TestApiServerOptions & { audit?: boolean } = {},
): Promise<AuthFixture> {
  const { audit, ...rest } = opts;
  const dir = await mkdtemp(join(tmpdir(), 'fleet-graph-auth-'));
  const tokenAuthFile = join(dir, 'tokens.csv');
  await writeFile(tokenAuthFile, TOKEN_FILE);
  const auditLog = audit ? join(dir, 'audit.log') : undefined;
  const t = await startTestApiServer({
    fleet: true,
    tokenAuthFile,
    ...(auditLog ? { auditLogPath: auditLog } : {}),
    ...rest,
  });
  t.server.seed(teamObjects());
  return {
    t,
    dir,
    auditLog,
    async stop() {
      await t.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A client-node KubeConfig for the emulator's plain-HTTP URL with another token. */
export function kubeConfigFor(url: string, token: string, impersonate?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token, ...(impersonate ? { impersonateUser: impersonate } : {}) }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- arbitrary JSON
}

/** One HTTP request; a header given as an array is sent as that many header lines. */
export function call(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string | string[]> = {},
  body?: unknown,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${url}${path}`,
      {
        method,
        headers: {
          ...(text !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => {
          let parsed: unknown = data;
          try {
            parsed = JSON.parse(data);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
