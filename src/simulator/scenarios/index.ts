/**
 * Named seeds for the simulator: `demo` (default), `empty`, `scale`, plus objects from a fixture
 * file. Everything is built and validated before anything is written, so a bad fixture leaves the
 * emulator untouched.
 */
import type { ResourceType } from '../../apis/gvr.js';
import { apiVersionOf, NAMESPACES } from '../../apis/gvr.js';
import type { KubeObject } from '../../apis/kube.js';
import type { Fault } from '../controller/context.js';
import { demoScenario } from './demo.js';
import { loadFixture } from './fixture.js';
import { scaleScenario } from './scale.js';
import type { Scenario } from './types.js';

export type { Scenario } from './types.js';
export { FixtureError, loadFixture, parseFixture } from './fixture.js';

export type ScenarioName = 'demo' | 'empty' | 'scale';

export interface SeedOptions {
  readonly scenario: ScenarioName;
  readonly fixture?: string | undefined;
  readonly scaleClusters: number;
  readonly scaleBundles: number;
  /** RFC 3339 time used for the converged statuses of the scale scenario. */
  readonly now: string;
  /** Namespaces that already exist (the Fleet workspaces). */
  readonly existingNamespaces: readonly string[];
}

export function scenarioByName(
  name: ScenarioName,
  opts: Pick<SeedOptions, 'scaleClusters' | 'scaleBundles' | 'now'>,
): Scenario {
  switch (name) {
    case 'demo':
      return demoScenario();
    case 'empty':
      return { objects: [], faults: [] };
    case 'scale':
      return scaleScenario(opts.scaleClusters, opts.scaleBundles, opts.now);
  }
}

/**
 * The objects to seed, in creation order (namespaces first, including any a namespaced object
 * needs), and the faults to inject once the simulated Fleet runs. Throws FixtureError for a bad
 * fixture before returning anything.
 */
export async function buildSeed(
  opts: SeedOptions,
): Promise<{ objects: KubeObject[]; sources: (string | undefined)[]; faults: readonly Fault[] }> {
  const fixture = opts.fixture ? await loadFixture(opts.fixture) : [];
  const scenario = scenarioByName(opts.scenario, opts);
  const all: { type: ResourceType; object: KubeObject; where?: string }[] = [...scenario.objects, ...fixture];
  const withKind = all.map(({ type, object, where }) => ({
    object: { ...object, apiVersion: apiVersionOf(type), kind: type.kind },
    where: where ? `${opts.fixture ?? 'fixture'} ${where}` : undefined,
  }));
  const isNs = (o: KubeObject) => o.kind === NAMESPACES.kind;
  const namespaces = withKind.filter((o) => isNs(o.object));
  const rest = withKind.filter((o) => !isNs(o.object));
  const have = new Set([...opts.existingNamespaces, ...namespaces.map((n) => n.object.metadata.name ?? '')]);
  const implied: { object: KubeObject; where: string | undefined }[] = [];
  for (const o of rest) {
    const ns = o.object.metadata.namespace;
    if (ns && !have.has(ns)) {
      have.add(ns);
      implied.push({
        object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
        where: o.where,
      });
    }
  }
  const fresh = namespaces.filter((n) => !opts.existingNamespaces.includes(n.object.metadata.name ?? ''));
  const ordered = [...fresh, ...implied, ...rest];
  return {
    objects: ordered.map((o) => o.object),
    sources: ordered.map((o) => o.where),
    faults: scenario.faults,
  };
}
