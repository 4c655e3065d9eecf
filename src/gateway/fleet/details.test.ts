import { describe, expect, it } from 'vitest';
import { ErrorCode, FleetGraphError } from '../../shared/errors.js';
import { createDetailLoader } from '../store/details.js';
import { detailSourceOf, fleetDetails, REDACTED, type DetailKind, type RawObject } from './details.js';
import { aBundle, aDeployment } from '../../../test/support/fleet-builders.js';

const bd = { ...aDeployment({ bundle: 'app', cluster: 'c1', namespace: 'cluster-ns' }), uid: 'bd-uid' };
const bundle = aBundle({ name: 'app', uid: 'b-uid' });

function source(objects: Record<string, RawObject | Error>) {
  const calls: string[] = [];
  return {
    calls,
    object(kind: DetailKind, namespace: string, name: string): Promise<RawObject | null> {
      const key = `${kind}:${namespace}/${name}`;
      calls.push(key);
      const o = objects[key];
      if (o instanceof Error) return Promise.reject(o);
      return Promise.resolve(o ?? null);
    },
  };
}

describe('fleetDetails', () => {
  it('maps BundleDeployment status lists and values presence, defaulting absent fields', async () => {
    const s = source({
      [`BundleDeployment:${bd.namespace}/${bd.name}`]: {
        metadata: { name: bd.name, namespace: bd.namespace, uid: bd.uid },
        spec: { valuesHash: 'h' },
        status: {
          nonReadyStatus: [{ kind: 'Deployment', name: 'web', summary: { state: 'error', error: true } }],
          modifiedStatus: [{ kind: 'Secret', name: 's', missing: true }],
          resources: [{ kind: 'Service', apiVersion: 'v1', name: 'web', createdAt: '2026-01-01T00:00:00Z' }],
          incompleteState: true,
        },
      },
    });
    const d = await fleetDetails(s).bundleDeployment(bd);
    expect(d).toEqual({
      nonReadyResources: [
        {
          kind: 'Deployment',
          apiVersion: '',
          namespace: undefined,
          name: 'web',
          state: 'error',
          error: true,
          transitioning: false,
          messages: [],
        },
      ],
      modifiedResources: [
        {
          kind: 'Secret',
          apiVersion: '',
          namespace: undefined,
          name: 's',
          missing: true,
          exist: false,
          delete: false,
          patch: undefined,
        },
      ],
      resources: [
        {
          kind: 'Service',
          apiVersion: 'v1',
          namespace: undefined,
          name: 'web',
          createdAt: '2026-01-01T00:00:00Z',
        },
      ],
      incompleteState: true,
      helmValuesStored: true,
    });
  });

  it('lists Bundle resource names without content; raw drops managedFields', async () => {
    const obj = {
      kind: 'Bundle',
      metadata: { name: 'app', namespace: bundle.namespace, uid: bundle.uid, managedFields: [{}] },
      spec: { resources: [{ name: 'a.yaml', content: 'x' }, { content: 'nameless' }, { name: 'b.yaml' }] },
    };
    const details = fleetDetails(source({ [`Bundle:${bundle.namespace}/app`]: obj }));
    expect(await details.bundle(bundle)).toEqual({
      resourceNames: ['a.yaml', 'b.yaml'],
      helmValuesStored: false,
    });
    expect(await details.raw(bundle)).toEqual({
      kind: 'Bundle',
      metadata: { name: 'app', namespace: bundle.namespace, uid: bundle.uid },
      spec: obj.spec,
    });
  });

  it('answers null when the object is gone or was replaced (another uid)', async () => {
    const replaced = fleetDetails(
      source({
        [`Bundle:${bundle.namespace}/app`]: { metadata: { name: 'app', uid: 'another' }, spec: {} },
      }),
    );
    expect(await replaced.bundle(bundle)).toBeNull();
    expect(await replaced.raw(bundle)).toBeNull();
    expect(await fleetDetails(source({})).bundleDeployment(bd)).toBeNull();
  });

  it('turns a failed read into UNAVAILABLE naming the object', async () => {
    const details = fleetDetails(source({ [`Bundle:${bundle.namespace}/app`]: new Error('HTTP 500') }));
    const err = await details.raw(bundle).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetGraphError);
    expect(err).toMatchObject({
      code: ErrorCode.UNAVAILABLE,
      details: { kind: 'Bundle', namespace: bundle.namespace, name: 'app' },
    });
  });

  it("over store/'s loader: every accessor of one operation shares one GET per object", async () => {
    const refs: string[] = [];
    const loader = createDetailLoader((ref) => {
      refs.push(`${ref.kind}:${ref.namespace}/${ref.name}`);
      return Promise.resolve({ metadata: { name: ref.name, namespace: ref.namespace, uid: 'bd-uid' } });
    });
    const details = fleetDetails(detailSourceOf(loader));
    await Promise.all([details.bundleDeployment(bd), details.raw(bd), details.bundleDeployment(bd)]);
    expect(refs).toEqual([`BundleDeployment:${bd.namespace}/${bd.name}`]);
  });

  describe('raw redaction', () => {
    const secretBd: RawObject = {
      metadata: { name: bd.name, namespace: bd.namespace, uid: bd.uid, managedFields: [{}] },
      spec: {
        deploymentID: 'd1',
        options: {
          helm: {
            values: { db: { password: 'p1' } },
            valuesFrom: [{ secretKeyRef: { name: 'v' } }],
            chart: 'c',
          },
        },
        stagedOptions: { helm: { values: { apiKey: 'k1' } } },
      },
      status: { display: { state: 'Ready' }, authToken: 't1', clientSecretName: 'git-auth' },
    };
    const key = `BundleDeployment:${bd.namespace}/${bd.name}`;

    it('redacts Helm values and secret-named fields when no caller may read Secrets', async () => {
      const raw = (await fleetDetails(source({ [key]: secretBd })).raw(bd)) as Record<string, never>;
      const text = JSON.stringify(raw);
      for (const secret of ['p1', 'k1', 't1', 'secretKeyRef']) expect(text).not.toContain(secret);
      expect(raw).toMatchObject({
        spec: {
          deploymentID: 'd1',
          options: { helm: { values: REDACTED, valuesFrom: REDACTED, chart: 'c' } },
          stagedOptions: { helm: { values: REDACTED } },
        },
        status: { display: { state: 'Ready' }, authToken: REDACTED, clientSecretName: 'git-auth' },
      });
      expect(text).not.toContain('managedFields');
    });

    it('returns the object whole to a caller who may read Secrets in its namespace', async () => {
      const asked: string[] = [];
      const details = fleetDetails(source({ [key]: secretBd }), {
        mayReadSecrets: (ns) => {
          asked.push(ns);
          return Promise.resolve(true);
        },
      });
      expect(JSON.stringify(await details.raw(bd))).toContain('"password":"p1"');
      expect(asked).toEqual([bd.namespace]);
    });
  });

  it('refuses more distinct detail reads than allowed in one operation with TOO_MANY_DETAIL_READS', async () => {
    const s = source({});
    const details = fleetDetails(s, { maxReads: 2 });
    const rec = (name: string) => ({ ...bundle, name, key: `${bundle.namespace}/${name}` });
    await details.raw(rec('a'));
    await details.raw(rec('b'));
    await details.raw(rec('a'));
    await expect(details.raw(rec('c'))).rejects.toMatchObject({ code: ErrorCode.TOO_MANY_DETAIL_READS });
    expect(s.calls).toHaveLength(3);
  });
});
