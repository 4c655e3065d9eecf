/**
 * Retained heap per cached BundleDeployment: the store's compact records (with indexes and the
 * interner) against the full JSON-parsed objects a default client-node informer keeps
 * (docs/performance-goals.md §5.3: goal ≤ 250 B vs ~4.8 KB).
 *
 *   node --expose-gc --import tsx test/bench/store-memory.ts [count] [baseline-count]
 *
 * The full-object side holds `baseline-count` objects (default: all) and reports bytes per object:
 * at a million BDs it would need about 5 GB, and its cost per object does not depend on the count.
 *
 * Synthetic fleet: 1,000 clusters × 50 bundles from 5 GitRepos. Objects look like what Fleet
 * writes: the BD labels of docs/fleet/links.md §3.1, spec options, four conditions, resources, a few
 * non-ready entries, and managedFields. Timestamps come from bulk writes (a few hundred distinct
 * seconds), as when a controller creates or an agent updates many BDs at once.
 */
import { SystemClock } from '../../src/shared/clock.js';
import { createStore } from '../../src/gateway/store/store.js';
import type { KubeObject } from '../../src/apis/kube.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  process.stderr.write('run with: node --expose-gc --import tsx test/bench/store-memory.ts\n');
  process.exit(2);
}

const COUNT = Number(process.argv[2] ?? 50_000);
const BASE_COUNT = Math.min(COUNT, Number(process.argv[3] ?? COUNT));
const BUNDLES = 50;
const REPOS = 5;

function hex(n: number, len: number): string {
  let s = '';
  let x = n * 2654435761;
  while (s.length < len) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += (x >>> 8).toString(16).padStart(6, '0');
  }
  return s.slice(0, len);
}

const ts = (i: number) => new Date(Date.UTC(2026, 10, 1, 8, 0, i % 300)).toISOString().replace('.000', '');

function syntheticBd(i: number): KubeObject {
  const cluster = Math.floor(i / BUNDLES);
  const b = i % BUNDLES;
  const repo = `repo-${b % REPOS}`;
  const bundle = `${repo}-app-${String(b).padStart(2, '0')}`;
  const clusterName = `c-${String(cluster).padStart(5, '0')}`;
  const ns = `cluster-fleet-default-${clusterName}-${hex(cluster, 12)}`;
  const ready = i % 10 !== 0;
  const manifest = `s-${hex(b, 64)}`;
  const deploymentID = `${manifest}:${hex(b + 7, 64)}`;
  const time = ts(i);
  return {
    apiVersion: 'fleet.cattle.io/v1alpha1',
    kind: 'BundleDeployment',
    metadata: {
      name: bundle,
      namespace: ns,
      uid: `${hex(i, 8)}-${hex(i + 1, 4)}-${hex(i + 2, 4)}-${hex(i + 3, 4)}-${hex(i + 4, 12)}`,
      resourceVersion: String(100_000 + i),
      generation: 3,
      creationTimestamp: ts(b),
      labels: {
        'fleet.cattle.io/bundle-name': bundle,
        'fleet.cattle.io/bundle-namespace': 'fleet-default',
        'fleet.cattle.io/cluster': clusterName,
        'fleet.cattle.io/cluster-namespace': 'fleet-default',
        'fleet.cattle.io/commit': hex(b % REPOS, 40),
        'fleet.cattle.io/managed': 'true',
        'fleet.cattle.io/repo-name': repo,
        'fleet.cattle.io/content-name': manifest,
        team: `team-${b % 3}`,
      },
      finalizers: ['fleet.cattle.io/bundle-deployment-finalizer'],
      managedFields: [
        {
          manager: 'fleetcontroller',
          operation: 'Update',
          apiVersion: 'fleet.cattle.io/v1alpha1',
          time: ts(b),
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': {
              'f:finalizers': { '.': {}, 'v:"fleet.cattle.io/bundle-deployment-finalizer"': {} },
              'f:labels': {
                '.': {},
                'f:fleet.cattle.io/bundle-name': {},
                'f:fleet.cattle.io/bundle-namespace': {},
                'f:fleet.cattle.io/cluster': {},
                'f:fleet.cattle.io/cluster-namespace': {},
                'f:fleet.cattle.io/commit': {},
                'f:fleet.cattle.io/managed': {},
                'f:fleet.cattle.io/repo-name': {},
              },
            },
            'f:spec': {
              '.': {},
              'f:deploymentID': {},
              'f:options': { '.': {}, 'f:defaultNamespace': {}, 'f:helm': { '.': {}, 'f:releaseName': {} } },
              'f:stagedDeploymentID': {},
              'f:stagedOptions': { '.': {}, 'f:defaultNamespace': {} },
            },
          },
        },
        {
          manager: 'fleetagent',
          operation: 'Update',
          apiVersion: 'fleet.cattle.io/v1alpha1',
          time,
          fieldsType: 'FieldsV1',
          subresource: 'status',
          fieldsV1: {
            'f:status': {
              '.': {},
              'f:appliedDeploymentID': {},
              'f:conditions': {},
              'f:display': { '.': {}, 'f:deployed': {}, 'f:monitored': {}, 'f:state': {} },
              'f:nonModified': {},
              'f:ready': {},
              'f:release': {},
              'f:resources': {},
              'f:resourceCounts': {},
            },
          },
        },
      ],
    },
    spec: {
      deploymentID,
      stagedDeploymentID: deploymentID,
      options: {
        defaultNamespace: `app-${b}`,
        helm: { releaseName: bundle, takeOwnership: false },
        correctDrift: {},
      },
      stagedOptions: {
        defaultNamespace: `app-${b}`,
        helm: { releaseName: bundle, takeOwnership: false },
        correctDrift: {},
      },
    },
    status: {
      appliedDeploymentID: deploymentID,
      release: `app-${b}/${bundle}:${1 + (b % 4)}`,
      ready,
      nonModified: true,
      display: { deployed: 'True', monitored: 'True', state: ready ? 'Ready' : 'NotReady' },
      conditions: ['Installed', 'Deployed', 'Monitored', 'Ready'].map((type) => ({
        type,
        status: type === 'Ready' && !ready ? 'False' : 'True',
        lastUpdateTime: time,
        lastTransitionTime: time,
        ...(type === 'Ready' && !ready ? { message: 'deployment.apps app-x/web not ready' } : {}),
      })),
      resources: [
        { kind: 'Deployment', apiVersion: 'apps/v1', namespace: `app-${b}`, name: 'web', createdAt: ts(b) },
        { kind: 'Service', apiVersion: 'v1', namespace: `app-${b}`, name: 'web', createdAt: ts(b) },
        { kind: 'ConfigMap', apiVersion: 'v1', namespace: `app-${b}`, name: 'web-config', createdAt: ts(b) },
      ],
      nonReadyStatus: ready
        ? []
        : [
            {
              uid: hex(i + 9, 36),
              kind: 'Deployment',
              apiVersion: 'apps/v1',
              namespace: `app-${b}`,
              name: 'web',
              summary: { state: 'updating', transitioning: true, message: ['Available: 0/1'] },
            },
          ],
      resourceCounts: {
        ready: ready ? 3 : 2,
        desiredReady: 3,
        waitApplied: 0,
        modified: 0,
        orphaned: 0,
        missing: 0,
        unknown: 0,
        notReady: ready ? 0 : 1,
      },
    },
  } as KubeObject;
}

function heap(): number {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage().heapUsed;
}

// 1. The full objects, parsed from JSON as they arrive from the API server.
let jsonBytes = 0;
function measureFullObjects(): number {
  const base = heap();
  const full: KubeObject[] = [];
  for (let i = 0; i < BASE_COUNT; i++) {
    const text = JSON.stringify(syntheticBd(i));
    jsonBytes += text.length;
    full.push(JSON.parse(text) as KubeObject);
  }
  const bytes = heap() - base;
  if (full.length !== BASE_COUNT) throw new Error('lost objects');
  return bytes;
}
const fullBytes = measureFullObjects();

// 2. The store: records, indexes and interner, fed the same parsed objects one at a time.
const base2 = heap();
const store = createStore({ clock: new SystemClock() });
let ingestMs = 0;
for (let i = 0; i < COUNT; i++) {
  const text = JSON.stringify(syntheticBd(i));
  const t0 = performance.now();
  // As a reflector does: parse the event line, hand the object over.
  store.apply('BundleDeployment', 'ADDED', JSON.parse(text) as KubeObject, { viaRelist: false, adopt: true });
  ingestMs += performance.now() - t0;
}
const snap = store.snapshot();
const storeBytes = heap() - base2;

// 3. Churn: one status change, then a snapshot and an index read, as a query after each event would.
const CHURN = 5_000;
const churnTexts = Array.from({ length: CHURN }, (_, k) => {
  const o = syntheticBd((k * 7919) % COUNT) as KubeObject & { status: { display: { state: string } } };
  o.metadata.resourceVersion = String(1_000_000 + k);
  o.status.display.state = k % 2 ? 'Ready' : 'Modified';
  return JSON.stringify(o);
});
const t1 = performance.now();
let seen = 0;
for (const text of churnTexts) {
  store.apply('BundleDeployment', 'MODIFIED', JSON.parse(text) as KubeObject, {
    viaRelist: false,
    adopt: true,
  });
  seen += store.snapshot().deploymentsOfGitRepo('fleet-default', 'repo-1').length;
}
const churnUs = ((performance.now() - t1) * 1000) / CHURN;
if (seen === 0) throw new Error('index empty');

const perFull = fullBytes / BASE_COUNT;
const perRecord = storeBytes / COUNT;
const out = {
  bundleDeployments: COUNT,
  baselineBundleDeployments: BASE_COUNT,
  jsonBytesPerBd: Math.round(jsonBytes / BASE_COUNT),
  storeHeapBytesTotal: storeBytes,
  fullObjectHeapBytesPerBd: Math.round(perFull),
  storeHeapBytesPerBd: Math.round(perRecord),
  ratio: `1/${(perFull / perRecord).toFixed(1)}`,
  goal: '≤ 250 B per BD (docs/performance-goals.md §5.3)',
  ingestUsPerBd: Number(((ingestMs * 1000) / COUNT).toFixed(1)),
  churnUsPerChangeWithSnapshotAndIndexRead: Number(churnUs.toFixed(1)),
  check: snap.list('BundleDeployment').length === COUNT ? 'ok' : 'MISMATCH',
  interner: store.interner.size,
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
