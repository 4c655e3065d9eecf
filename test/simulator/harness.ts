/**
 * A simulated Fleet for a test: the API emulator on a random port with Fleet's CRDs, the
 * controllers on a ManualClock, and helpers that talk to the emulator over HTTP only.
 * `settle` moves simulated time in steps until the API shows what the test expects.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import type { ResourceType } from '../../src/apis/gvr.js';
import { apiVersionOf } from '../../src/apis/gvr.js';
import type { KubeObject } from '../../src/apis/kube.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startFleet, type FleetHandle, type FleetSettings } from '../../src/simulator/controller/index.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.js';

/**
 * Short delays so tests converge in few clock steps; the check-in interval stays Fleet's 15 min.
 * Agent bundles are off so counts in tests are only the test's own bundles (gitops.test.ts checks
 * them on their own).
 */
export const TEST_SETTINGS: Partial<FleetSettings> = {
  agentBundles: false,
  jobDelayMs: 1_000,
  applyDelayMs: 1_000,
  readyDelayMs: 1_000,
  gitRepoStatusDelayMs: 3_000,
  firstCheckInDelayMs: 15_000,
  checkInIntervalMs: 15 * 60_000,
};

export interface TestFleet {
  readonly api: TestApiServer;
  readonly fleet: FleetHandle;
  readonly clock: ManualClock;
  create<T extends KubeObject>(type: ResourceType, obj: T): Promise<T>;
  patch(type: ResourceType, namespace: string, name: string, body: object): Promise<void>;
  remove(type: ResourceType, namespace: string, name: string): Promise<void>;
  list<T extends KubeObject = KubeObject>(
    type: ResourceType,
    labelSelector?: string,
    namespace?: string,
  ): Promise<T[]>;
  get<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
  ): Promise<T | undefined>;
  /** Advances the clock by `stepMs` per round until `fn` returns a value deeply equal to `expected`. */
  settle<T>(fn: () => Promise<T>, expected: T, opts?: { stepMs?: number; timeout?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestFleet(settings: Partial<FleetSettings> = {}): Promise<TestFleet> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const api = await startTestApiServer({ fleet: true, clock });
  const fleet = await startFleet({
    kubeConfig: api.kubeConfig,
    clock,
    logger: silentLogger(),
    settings: { ...TEST_SETTINGS, ...settings },
  });
  const custom = api.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = api.kubeConfig.makeApiClient(CoreV1Api);
  const gv = (t: ResourceType) => ({ group: t.group, version: t.version, plural: t.plural });
  const self: TestFleet = {
    api,
    fleet,
    clock,
    async create(type, obj) {
      const body = { apiVersion: apiVersionOf(type), kind: type.kind, ...obj };
      if (type.group === '') return (await core.createNamespace({ body: body as never })) as never;
      return (await custom.createNamespacedCustomObject({
        ...gv(type),
        namespace: obj.metadata.namespace ?? '',
        body,
      })) as never;
    },
    async patch(type, namespace, name, body) {
      await custom.patchNamespacedCustomObject(
        { ...gv(type), namespace, name, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    },
    async remove(type, namespace, name) {
      if (type.group === '') await core.deleteNamespace({ name });
      else await custom.deleteNamespacedCustomObject({ ...gv(type), namespace, name });
    },
    async list(type, labelSelector, namespace) {
      if (type.group === '') return ((await core.listNamespace({ labelSelector })).items ?? []) as never;
      const res = (
        namespace
          ? await custom.listNamespacedCustomObject({ ...gv(type), namespace, labelSelector })
          : await custom.listClusterCustomObject({ ...gv(type), labelSelector })
      ) as { items: KubeObject[] };
      return res.items as never;
    },
    async get(type, namespace, name) {
      try {
        return (await custom.getNamespacedCustomObject({ ...gv(type), namespace, name })) as never;
      } catch (e) {
        if ((e as { code?: number }).code === 404) return undefined;
        throw e;
      }
    },
    async settle(fn, expected, opts = {}) {
      // Like expect.poll, but usable in hooks too: each round moves simulated time one step and
      // then asks the API again (a real HTTP round trip, so this never spins).
      const step = opts.stepMs ?? 1_000;
      const deadline = Date.now() + (opts.timeout ?? 15_000);
      let last: unknown;
      for (;;) {
        await clock.advance(step);
        last = await fn();
        if (isDeepStrictEqual(last, expected)) return;
        if (Date.now() > deadline) break;
        await new Promise<void>((r) => setImmediate(r));
      }
      expect(last, 'settled value').toEqual(expected);
    },
    async stop() {
      await fleet.stop();
      await api.stop();
    },
  };
  return self;
}

/** Sorted `namespace/name` of objects. */
export function names(objs: readonly KubeObject[]): string[] {
  return objs
    .map((o) =>
      o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? ''),
    )
    .sort();
}
