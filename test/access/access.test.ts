/**
 * The access module's parts against the emulator's real review endpoints: TokenReview with
 * audiences and its cache, SubjectAccessReview answers (the `access.can` the context offers), and
 * impersonation headers with one line per group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayAccess, TtlCache, type UserIdentity } from '../../src/gateway/access/index.js';
import { impersonationHeaders } from '../../src/gateway/kube/impersonation.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startAuthApiServer, type AuthFixture } from '../support/auth.js';
import { ALICE, BOB } from './support.js';

let fx: AuthFixture;
let now = 0;

beforeAll(async () => {
  fx = await startAuthApiServer();
}, 30_000);

afterAll(async () => {
  await fx?.stop();
});

const access = (audiences: string[] = []) =>
  new GatewayAccess({
    kubeConfig: fx.t.kubeConfig,
    audiences,
    authCacheMs: 1_000,
    accessCacheMs: 1_000,
    logger: silentLogger(),
    now: () => now,
  });

const alice: UserIdentity = {
  kind: 'user',
  name: 'alice',
  uid: 'alice-uid',
  groups: ['team-a-devs', 'readers', 'system:authenticated'],
};

describe('TokenReview', () => {
  it('names the user of a good token, refuses a bad one or none, and reuses answers until they expire', async () => {
    const a = access();
    const r = await a.authenticate(ALICE);
    expect(r).toMatchObject({ authenticated: true, user: { name: 'alice', uid: 'alice-uid' } });
    if (r.authenticated) expect(r.user.groups).toEqual(expect.arrayContaining(['team-a-devs', 'readers']));
    expect(await a.authenticate('nope')).toMatchObject({ authenticated: false });
    expect(await a.authenticate(undefined)).toMatchObject({ authenticated: false });
    const sent = a.tokens.reviews;
    await a.authenticate(ALICE);
    expect(a.tokens.reviews).toBe(sent);
    now += 1_001;
    await a.authenticate(ALICE);
    expect(a.tokens.reviews).toBe(sent + 1);
  });

  it('refuses a static token for an audience other than the API server’s', async () => {
    expect(await access(['fleet-graph']).authenticate(ALICE)).toMatchObject({ authenticated: false });
  });
});

describe('SubjectAccessReview (the context’s access.can)', () => {
  it('answers as Kubernetes RBAC does, per identity, verb, resource and namespace', async () => {
    const a = access();
    const q = { verb: 'patch', group: 'fleet.cattle.io', resource: 'gitrepos' };
    expect(await a.can(alice, { ...q, namespace: 'team-a' })).toBe(true);
    expect(await a.can(alice, { ...q, namespace: 'team-b' })).toBe(false);
    expect(await a.can(alice, { verb: 'get', group: '', resource: 'secrets', namespace: 'team-a' })).toBe(
      false,
    );
    const bob = await a.authenticate(BOB);
    expect(bob.authenticated && (await a.can(bob.user, { ...q, namespace: 'team-a' }))).toBe(false);
    expect(await a.mayList(alice, 'GitRepo', 'team-a')).toBe(true);
    expect(await a.mayList(alice, 'GitRepo', 'team-b')).toBe(false);
  });
});

describe('impersonation headers', () => {
  it('sends each group and extra value as its own header line, user and uid once', () => {
    const h = impersonationHeaders({
      user: 'alice',
      uid: 'u-1',
      groups: ['a,b', 'c'],
      extra: { 'Scopes.Example/Key': ['x', 'y'] },
    });
    expect(h['Impersonate-User']).toBe('alice');
    expect(h['Impersonate-Uid']).toBe('u-1');
    expect(h['Impersonate-Group']).toEqual(['a,b', 'c']);
    expect(h['Impersonate-Extra-scopes.example%2Fkey']).toEqual(['x', 'y']);
  });
});

describe('TtlCache', () => {
  it('shares one load among concurrent askers, forgets failures, and stays within its bound', async () => {
    let t = 0;
    const cache = new TtlCache<number>({ ttlMs: 10, maxEntries: 2, now: () => t });
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    const [x, y] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect([x, y, loads]).toEqual([1, 1, 1]);
    await expect(cache.get('bad', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('bad', load)).toBe(2);
    await cache.get('third', load);
    expect(cache.size).toBeLessThanOrEqual(2);
    t = 11;
    expect(await cache.get('k', load)).toBe(4);
  });
});
