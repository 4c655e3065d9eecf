/**
 * Benchmark process: the Kubernetes API emulator with a Fleet seeded into it, alone in its process.
 *
 *   argv[2]: JSON { mode: 'scale' | 'bulk', clusters, bundles, controllers, cleanup, kubeconfig }
 *
 * `scale` seeds the converged scale scenario (with agent bundles); `bulk` writes clusters × bundles
 * BundleDeployments straight into the store (src/simulator/scenarios/bulk.ts). Writes a plain-HTTP
 * kubeconfig for the other processes and counts the requests it serves (the auth reviews apart).
 */
import { writeFile } from 'node:fs/promises';
import type { KubeObject } from '../../../src/apis/kube.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { startSimulation } from '../../../src/simulator/index.js';
import { seedBulkScale } from '../../../src/simulator/scenarios/bulk.js';
import { countApiRequests, countReviews } from '../lib.js';
import { serveParent } from './ipc.js';

interface Options {
  mode: 'scale' | 'bulk';
  clusters: number;
  bundles: number;
  controllers: boolean;
  cleanup: 'prompt' | 'legacy';
  kubeconfig: string;
  /** kube-apiserver's static token file (ordinary users, judged by RBAC), for the auth measurement. */
  tokenAuthFile?: string;
  /** Further objects to seed (RBAC for the token file's users). */
  objects?: KubeObject[];
}

const o = JSON.parse(process.argv[2] ?? '{}') as Options;
const t0 = performance.now();
const sim = await startSimulation({
  port: 0,
  host: '127.0.0.1',
  scenario: o.mode === 'scale' ? 'scale' : 'empty',
  cleanup: o.cleanup,
  speed: 1,
  scaleClusters: o.clusters,
  scaleBundles: o.bundles,
  logger: silentLogger(),
  controllers: o.controllers,
  ...(o.tokenAuthFile ? { tokenAuthFile: o.tokenAuthFile } : {}),
});
if (o.objects?.length) sim.apiServer.seed(o.objects);
if (o.mode === 'bulk')
  seedBulkScale(sim.apiServer, {
    clusters: o.clusters,
    bundles: o.bundles,
    now: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
const seedMs = performance.now() - t0;
await writeFile(o.kubeconfig, sim.kubeConfig.exportConfig(), { mode: 0o600 });

const isCollection = (path: string) => {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'apis') return parts.length === 4 || parts.length === 6;
  if (parts[0] === 'api') return parts.length === 3 || parts.length === 5;
  return false;
};
const counter = countApiRequests(sim.apiServer.port, isCollection);
const reviews = countReviews(sim.apiServer.port);

serveParent(
  {
    url: sim.url,
    token: sim.token,
    seedMs,
    resourceVersion: sim.apiServer.resourceVersion,
    heapUsed: process.memoryUsage().heapUsed,
  },
  {
    /** The requests served since the last call. */
    counts: () => counter.take(),
    /** TokenReviews and SubjectAccessReviews served since the last call. */
    reviews: () => reviews.take(),
    resourceVersion: () => sim.apiServer.resourceVersion,
  },
  async () => {
    counter.stop();
    reviews.stop();
    await sim.stop();
  },
);
