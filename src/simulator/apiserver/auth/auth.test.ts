import { describe, expect, it } from 'vitest';
import { requestInfo } from './attributes.js';
import { ruleAllows } from './rbac.js';
import { bearerToken, parseTokenFile, readCsv, TokenAuthenticator } from './tokens.js';

describe('static token file', () => {
  it('reads kube-apiserver lines: quoted groups, optional groups, CRLF, blank lines', () => {
    expect(parseTokenFile('t1,alice,u1,"a,b"\r\n\nt2,bob,u2\nt3,carol,u3,"g","aud1,aud2"\n', 'f')).toEqual([
      { token: 't1', user: 'alice', uid: 'u1', groups: ['a', 'b'] },
      { token: 't2', user: 'bob', uid: 'u2' },
      { token: 't3', user: 'carol', uid: 'u3', groups: ['g'], audiences: ['aud1', 'aud2'] },
    ]);
  });

  it('refuses short records and broken quotes with INVALID_CONFIG naming the file', () => {
    expect(() => parseTokenFile('t1,alice\n', 'tokens.csv')).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining('tokens.csv must have at least 3 columns') as string,
      }),
    );
    expect(() => parseTokenFile('t1,alice,u1,"a,b\n', 'tokens.csv')).toThrow(/quoted-field/);
    expect(() => readCsv('a,b"c\n')).toThrow(/bare "/);
    expect(readCsv('"x ""y""",z')).toEqual([['x "y"', 'z']]);
  });

  it('binds audiences as the apiserver does', () => {
    const auth = new TokenAuthenticator(
      [
        { token: 'static', user: 'a' },
        { token: 'bound', user: 'b', audiences: ['gw'] },
      ],
      ['https://kubernetes.default.svc'],
    );
    expect(auth.authenticate('static')).toMatchObject({
      ok: true,
      audiences: ['https://kubernetes.default.svc'],
    });
    expect(auth.authenticate('static', ['gw'])).toEqual({ ok: false, error: 'invalid bearer token' });
    expect(auth.authenticate('bound', ['gw', 'x'])).toMatchObject({ ok: true, audiences: ['gw'] });
    expect(auth.authenticate('bound')).toEqual({
      ok: false,
      error: 'token audiences ["gw"] is invalid for the target audiences ["https://kubernetes.default.svc"]',
    });
    expect(auth.authenticate('bound', ['gw'])).toMatchObject({
      user: { username: 'b', groups: ['system:authenticated'] },
    });
  });

  it('reads the bearer scheme case-insensitively and refuses empty tokens', () => {
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('  BEARER abc  ')).toBe('abc');
    expect(bearerToken('Bearer  abc')).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
  });
});

describe('request attributes', () => {
  const q = (s = '') => new URLSearchParams(s);
  it('splits paths as RequestInfoFactory does', () => {
    expect(
      requestInfo('GET', '/apis/fleet.cattle.io/v1alpha1/namespaces/a/gitrepos', q('watch=1')),
    ).toMatchObject({
      resourceRequest: true,
      verb: 'watch',
      apiGroup: 'fleet.cattle.io',
      namespace: 'a',
      resource: 'gitrepos',
      name: '',
    });
    expect(requestInfo('GET', '/api/v1/namespaces/a', q())).toMatchObject({
      verb: 'get',
      namespace: 'a',
      resource: 'namespaces',
      name: 'a',
    });
    expect(requestInfo('PUT', '/api/v1/namespaces/a/finalize', q())).toMatchObject({
      namespace: 'a',
      resource: 'namespaces',
      name: 'a',
      subresource: 'finalize',
    });
    expect(
      requestInfo('PATCH', '/apis/fleet.cattle.io/v1alpha1/namespaces/a/bundledeployments/x/status', q()),
    ).toMatchObject({ verb: 'patch', resource: 'bundledeployments', name: 'x', subresource: 'status' });
    expect(requestInfo('DELETE', '/api/v1/namespaces/a/secrets', q())).toMatchObject({
      verb: 'deletecollection',
    });
    expect(requestInfo('GET', '/api/v1/secrets', q('fieldSelector=metadata.name%3Dx'))).toMatchObject({
      verb: 'list',
      name: 'x',
    });
    expect(requestInfo('GET', '/apis/fleet.cattle.io/v1alpha1', q())).toMatchObject({
      resourceRequest: false,
      verb: 'get',
    });
  });
});

describe('RBAC rules', () => {
  const attrs = (over: Partial<ReturnType<typeof requestInfo>>) => ({
    ...requestInfo('GET', '/', new URLSearchParams()),
    resourceRequest: true,
    verb: 'get',
    apiGroup: 'fleet.cattle.io',
    resource: 'bundledeployments',
    ...over,
  });

  it('matches verbs, groups, resources and names, with * wildcards', () => {
    const rule = { verbs: ['get'], apiGroups: ['fleet.cattle.io'], resources: ['bundledeployments'] };
    expect(ruleAllows(attrs({}), rule)).toBe(true);
    expect(ruleAllows(attrs({ verb: 'list' }), rule)).toBe(false);
    expect(ruleAllows(attrs({ apiGroup: '' }), rule)).toBe(false);
    expect(ruleAllows(attrs({ subresource: 'status' }), rule)).toBe(false);
    expect(
      ruleAllows(attrs({ verb: 'delete', apiGroup: 'x' }), {
        verbs: ['*'],
        apiGroups: ['*'],
        resources: ['*'],
      }),
    ).toBe(true);
    expect(ruleAllows(attrs({ name: 'a' }), { ...rule, resourceNames: ['a'] })).toBe(true);
    expect(ruleAllows(attrs({ name: 'b' }), { ...rule, resourceNames: ['a'] })).toBe(false);
    expect(ruleAllows(attrs({ name: '', verb: 'get' }), { ...rule, resourceNames: ['a'] })).toBe(false);
  });

  it('matches subresources by name and by */subresource', () => {
    const sub = attrs({ verb: 'patch', subresource: 'status' });
    expect(
      ruleAllows(sub, { verbs: ['patch'], apiGroups: ['*'], resources: ['bundledeployments/status'] }),
    ).toBe(true);
    expect(ruleAllows(sub, { verbs: ['patch'], apiGroups: ['*'], resources: ['*/status'] })).toBe(true);
    expect(ruleAllows(sub, { verbs: ['patch'], apiGroups: ['*'], resources: ['*/scale'] })).toBe(false);
  });

  it('matches non-resource URLs exactly or by a trailing *', () => {
    const a = attrs({ resourceRequest: false, path: '/apis/fleet.cattle.io' });
    expect(ruleAllows(a, { verbs: ['get'], nonResourceURLs: ['/apis/*'] })).toBe(true);
    expect(ruleAllows(a, { verbs: ['get'], nonResourceURLs: ['/apis'] })).toBe(false);
    expect(ruleAllows(a, { verbs: ['get'], nonResourceURLs: ['*'] })).toBe(true);
    expect(ruleAllows(a, { verbs: ['get'], apiGroups: ['*'], resources: ['*'] })).toBe(false);
  });
});
