import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apis/kube.js';
import type { ObjectRef } from './details.js';
import { createDetailLoader } from './details.js';

function fakeFetch() {
  const calls: ObjectRef[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch = async (ref: ObjectRef): Promise<KubeObject | null> => {
    calls.push(ref);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise<void>((r) => setImmediate(r));
    inFlight--;
    if (ref.name === 'missing') return null;
    if (ref.name === 'broken') throw new Error('HTTP 500');
    return {
      metadata: { name: ref.name, namespace: ref.namespace },
      spec: { valuesHash: 'abc' },
      status: {
        nonReadyStatus: [{ kind: 'Deployment', name: 'web' }],
        modifiedStatus: [],
        resources: [{ kind: 'Deployment', name: 'web' }],
        incompleteState: true,
        release: 'default/web:3',
      },
    } as KubeObject;
  };
  return { fetch, calls, maxInFlight: () => maxInFlight };
}

describe('DetailLoader', () => {
  it('batches loads of one tick, fetches each object once, with bounded concurrency', async () => {
    const f = fakeFetch();
    const loader = createDetailLoader(f.fetch, { maxConcurrency: 2 });
    const refs = ['a', 'b', 'c', 'a', 'd'].map((name) => ({
      kind: 'BundleDeployment' as const,
      namespace: 'ns',
      name,
    }));
    const objects = await Promise.all(refs.map((r) => loader.object(r)));
    expect(objects.map((o) => o?.metadata.name)).toEqual(['a', 'b', 'c', 'a', 'd']);
    expect(f.calls.map((c) => c.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(f.maxInFlight()).toBe(2);
    expect(Object.isFrozen(objects[0])).toBe(true);
    await loader.object(refs[0]!);
    expect(f.calls).toHaveLength(4);
  });

  it('returns null for missing objects and rejects only the failing load', async () => {
    const f = fakeFetch();
    const loader = createDetailLoader(f.fetch);
    const [missing, broken, ok] = await Promise.allSettled([
      loader.object({ kind: 'Bundle', namespace: 'ns', name: 'missing' }),
      loader.object({ kind: 'Bundle', namespace: 'ns', name: 'broken' }),
      loader.object({ kind: 'Bundle', namespace: 'ns', name: 'ok' }),
    ]);
    expect(missing).toEqual({ status: 'fulfilled', value: null });
    expect(broken.status).toBe('rejected');
    expect(ok.status).toBe('fulfilled');
  });

  it('extracts the BundleDeployment details kept out of the record', async () => {
    const loader = createDetailLoader(fakeFetch().fetch);
    await expect(loader.bundleDeploymentDetails('cluster-a', 'app')).resolves.toEqual({
      nonReadyStatus: [{ kind: 'Deployment', name: 'web' }],
      modifiedStatus: [],
      resources: [{ kind: 'Deployment', name: 'web' }],
      incompleteState: true,
      release: 'default/web:3',
      valuesHash: 'abc',
    });
    await expect(loader.bundleDeploymentDetails('cluster-a', 'missing')).resolves.toBeNull();
  });
});
