/**
 * Contract: the emulator's HTTP protocol details, checked with plain fetch: precise Status bodies
 * for bad input, content negotiation (YAML, Table, aggregated discovery), OpenAPI, server-side
 * apply, dry run, cascading deletion, CRD lifecycle and watch-list initial events.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return --
   responses are arbitrary JSON read field by field. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';

let t: TestApiServer;

beforeEach(async () => {
  t = await startTestApiServer({ fleet: true });
});

afterEach(async () => {
  await t.stop();
});

const GR = '/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-local/gitrepos';
const CM = '/api/v1/namespaces/default/configmaps';

async function req(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${t.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const gitRepo = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'fleet.cattle.io/v1alpha1',
  kind: 'GitRepo',
  metadata: { name },
  spec: { repo: 'https://example.com/repo', ...extra },
});

describe('bad input gets a precise Status and changes nothing', () => {
  it('malformed JSON is 400 BadRequest', async () => {
    const r = await req('POST', GR, '{"apiVersion": "fleet.cattle.io/v1alpha1", "kind": ');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    expect((await req('GET', GR)).json.items).toEqual([]);
  });

  it('malformed YAML is 400 BadRequest; valid YAML bodies are accepted', async () => {
    const bad = await req('POST', GR, 'metadata: {name: x\nspec: [', { 'content-type': 'application/yaml' });
    expect(bad.status).toBe(400);
    expect(bad.json.reason).toBe('BadRequest');
    const good = await req(
      'POST',
      GR,
      'apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: yml\nspec:\n  repo: https://example.com/r\n',
      { 'content-type': 'application/yaml' },
    );
    expect(good.status).toBe(201);
    expect(good.json.metadata.name).toBe('yml');
  });

  it('an unknown resource is 404 with the generic NotFound Status', async () => {
    const r = await req('GET', '/apis/fleet.cattle.io/v1alpha1/namespaces/fleet-local/foos');
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({
      reason: 'NotFound',
      message: 'the server could not find the requested resource',
    });
  });

  it('an invalid name is 422 with a metadata.name cause', async () => {
    const r = await req('POST', GR, gitRepo('Not_Valid'));
    expect(r.status).toBe(422);
    expect(r.json.details.causes[0]).toMatchObject({ field: 'metadata.name', reason: 'FieldValueInvalid' });
    expect(r.json.message).toMatch(
      /^GitRepo\.fleet\.cattle\.io "Not_Valid" is invalid: metadata\.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain/,
    );
  });

  it('a body of another kind is 400; a patch with an unknown content type is 415', async () => {
    const r = await req('POST', GR, {
      apiVersion: 'fleet.cattle.io/v1alpha1',
      kind: 'Bundle',
      metadata: { name: 'b' },
    });
    expect(r.status).toBe(400);
    await req('POST', GR, gitRepo('p'));
    const p = await req('PATCH', `${GR}/p`, { spec: { paused: true } }, { 'content-type': 'text/plain' });
    expect(p.status).toBe(415);
    expect(p.json.reason).toBe('UnsupportedMediaType');
    expect((await req('GET', `${GR}/p`)).json.spec.paused).toBeUndefined();
  });

  it('a PUT without resourceVersion on a custom resource is 422', async () => {
    await req('POST', GR, gitRepo('u'));
    const r = await req('PUT', `${GR}/u`, gitRepo('u', { branch: 'x' }));
    expect(r.status).toBe(422);
    expect(r.json.details.causes[0]).toMatchObject({ field: 'metadata.resourceVersion' });
  });

  it('unknown fields warn by default and fail with fieldValidation=Strict', async () => {
    const warn = await req('POST', GR, gitRepo('w', { nope: 1 }));
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toBe('299 - "unknown field \\"spec.nope\\""');
    const strict = await req('POST', `${GR}?fieldValidation=Strict`, gitRepo('s', { nope: 1 }));
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe(
      'GitRepo in version "v1alpha1" cannot be handled as a GitRepo: strict decoding error: unknown field "spec.nope"',
    );
  });
});

describe('content negotiation and discovery', () => {
  it('answers the Table kubectl asks for, with the printer columns', async () => {
    await req('POST', GR, gitRepo('tbl'));
    const r = await req('GET', GR, undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    expect(r.headers.get('content-type')).toBe('application/json;as=Table;v=v1;g=meta.k8s.io');
    expect(r.json.kind).toBe('Table');
    expect(r.json.columnDefinitions.map((c: any) => c.name)).toEqual([
      'Name',
      'Repo',
      'Commit',
      'BundleDeployments-Ready',
      'Status',
    ]);
    expect(r.json.rows[0].cells).toEqual(['tbl', 'https://example.com/repo', null, null, null]);
    expect(r.json.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'tbl' } });
  });

  it('serves aggregated discovery when asked, and the legacy documents otherwise', async () => {
    const agg = await req('GET', '/apis', undefined, {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    });
    expect(agg.headers.get('content-type')).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const fleet = agg.json.items.find((g: any) => g.metadata.name === 'fleet.cattle.io');
    const gitrepos = fleet.versions[0].resources.find((r: any) => r.resource === 'gitrepos');
    expect(gitrepos).toMatchObject({
      scope: 'Namespaced',
      singularResource: 'gitrepo',
      categories: ['fleet'],
      subresources: [{ subresource: 'status' }],
    });
    const legacy = await req('GET', '/apis');
    expect(legacy.json.kind).toBe('APIGroupList');
    expect((await req('GET', '/version')).json.minor).toBe('34');
  });

  it('publishes OpenAPI v3 with the CRD schema and the fieldValidation parameter', async () => {
    const root = await req('GET', '/openapi/v3');
    const url: string = root.json.paths['apis/fleet.cattle.io/v1alpha1'].serverRelativeURL;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/fleet\.cattle\.io\/v1alpha1\?hash=[0-9A-F]{128}$/);
    const doc = await req('GET', url);
    const schema = doc.json.components.schemas['io.cattle.fleet.v1alpha1.GitRepo'];
    expect(schema['x-kubernetes-group-version-kind']).toEqual([
      { group: 'fleet.cattle.io', kind: 'GitRepo', version: 'v1alpha1' },
    ]);
    expect(schema.properties.spec.properties.targets.type).toBe('array');
    const patch =
      doc.json.paths['/apis/fleet.cattle.io/v1alpha1/namespaces/{namespace}/gitrepos/{name}'].patch;
    expect(patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
  });
});

describe('write semantics', () => {
  it('server-side apply creates and then updates, and needs a fieldManager', async () => {
    const yaml = (branch: string) =>
      `apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata:\n  name: ssa\nspec:\n  repo: https://example.com/r\n  branch: ${branch}\n`;
    const noManager = await req('PATCH', `${GR}/ssa`, yaml('a'), {
      'content-type': 'application/apply-patch+yaml',
    });
    expect(noManager.status).toBe(400);
    const created = await req('PATCH', `${GR}/ssa?fieldManager=test`, yaml('a'), {
      'content-type': 'application/apply-patch+yaml',
    });
    expect(created.status).toBe(201);
    const updated = await req('PATCH', `${GR}/ssa?fieldManager=test`, yaml('b'), {
      'content-type': 'application/apply-patch+yaml',
    });
    expect(updated.status).toBe(200);
    expect(updated.json.spec.branch).toBe('b');
    expect(updated.json.metadata.generation).toBe(2);
  });

  it('dryRun=All validates without storing', async () => {
    const r = await req('POST', `${GR}?dryRun=All`, gitRepo('dry'));
    expect(r.status).toBe(201);
    expect((await req('GET', `${GR}/dry`)).status).toBe(404);
  });

  it('generateName, Secret stringData and the Status of a built-in delete', async () => {
    const g = await req('POST', CM, { metadata: { generateName: 'gen-' }, data: { a: 'b' } });
    expect(g.json.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const s = await req('POST', '/api/v1/namespaces/default/secrets', {
      metadata: { name: 's' },
      stringData: { user: 'admin' },
    });
    expect(s.json.data).toEqual({ user: Buffer.from('admin').toString('base64') });
    expect(s.json.type).toBe('Opaque');
    expect(s.json.stringData).toBeUndefined();
    const d = await req('DELETE', `${CM}/${g.json.metadata.name}`);
    expect(d.json).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: g.json.metadata.name, kind: 'configmaps' },
    });
  });

  it('deletecollection deletes what the selector selects', async () => {
    for (const [n, env] of [
      ['a', 'dev'],
      ['b', 'dev'],
      ['c', 'prod'],
    ])
      await req('POST', CM, { metadata: { name: n, labels: { env } } });
    const r = await req('DELETE', `${CM}?labelSelector=env%3Ddev`);
    expect(r.status).toBe(200);
    expect((await req('GET', CM)).json.items.map((i: any) => i.metadata.name)).toEqual(['c']);
  });

  it('deleting an owner cascades to its dependents, unless orphaned', async () => {
    const owner = (await req('POST', GR, gitRepo('owner'))).json;
    const ref = {
      apiVersion: 'fleet.cattle.io/v1alpha1',
      kind: 'GitRepo',
      name: 'owner',
      uid: owner.metadata.uid,
    };
    await req('POST', '/api/v1/namespaces/fleet-local/configmaps', {
      metadata: { name: 'dep', ownerReferences: [ref] },
    });
    await req('DELETE', `${GR}/owner`);
    await expect
      .poll(async () => (await req('GET', '/api/v1/namespaces/fleet-local/configmaps/dep')).status)
      .toBe(404);
    const owner2 = (await req('POST', GR, gitRepo('owner2'))).json;
    await req('POST', '/api/v1/namespaces/fleet-local/configmaps', {
      metadata: { name: 'dep2', ownerReferences: [{ ...ref, name: 'owner2', uid: owner2.metadata.uid }] },
    });
    await req('DELETE', `${GR}/owner2`, { propagationPolicy: 'Orphan' });
    const dep2 = await req('GET', '/api/v1/namespaces/fleet-local/configmaps/dep2');
    expect(dep2.status).toBe(200);
    expect(dep2.json.metadata.ownerReferences).toBeUndefined();
  });

  it('deleting a CRD removes its objects and stops serving the kind', async () => {
    await req('POST', GR, gitRepo('x'));
    const r = await req(
      'DELETE',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gitrepos.fleet.cattle.io',
    );
    expect(r.status).toBe(200);
    await expect.poll(async () => (await req('GET', GR)).status).toBe(404);
    const disc = await req('GET', '/apis/fleet.cattle.io/v1alpha1');
    expect(disc.json.resources.map((x: any) => x.name)).not.toContain('gitrepos');
  });
});

describe('watch list', () => {
  it('sendInitialEvents streams ADDED for what exists, then a bookmark marking the end', async () => {
    await req('POST', GR, gitRepo('i1'));
    await req('POST', GR, gitRepo('i2'));
    const ctl = new AbortController();
    const res = await fetch(
      `${t.url}${GR}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
      {
        headers: { authorization: `Bearer ${t.token}` },
        signal: ctl.signal,
      },
    );
    const reader = res.body!.getReader();
    let buf = '';
    const lines: any[] = [];
    while (lines.length < 3) {
      const { value } = await reader.read();
      buf += new TextDecoder().decode(value);
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const p of parts) if (p) lines.push(JSON.parse(p));
    }
    ctl.abort();
    expect(lines.map((l) => l.type)).toEqual(['ADDED', 'ADDED', 'BOOKMARK']);
    expect(lines[2].object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  });
});
