/**
 * The Helm chart, checked offline with the real helm binary: `helm lint --strict` (which enforces
 * values.schema.json) and `helm template` for the default values and with every optional feature
 * on. Every rendered object is validated against Kubernetes' schemas twice (ADR 0012):
 * kubernetes-models for types, enums, required fields and quantities, and a kubernetes-types
 * `satisfies` compiled by tsc for unknown fields. Then the parts that matter are asserted: the
 * restricted Pod Security settings, the probes, the production flags and the RBAC.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { WATCHED_FLEET_TYPES } from '../../src/apis/gvr.js';
import { CHART, helm, renderChart, ROOT, type Manifest } from '../support/helm.js';
import { validateWithModels, TYPED_KINDS } from './k8s-validate.js';

const run = promisify(execFile);

const ALL_ON = [
  '--set',
  'ingress.enabled=true,ingress.className=nginx,ingress.tls.enabled=true',
  '--set',
  'networkPolicy.enabled=true,serviceMonitor.enabled=true,prometheusRule.enabled=true',
  '--set',
  'gateway.graphiql=true,gateway.introspection=true,gateway.namespaces={fleet-default,fleet-local}',
  '--set',
  'gateway.corsOrigins={https://ui.example.com},gateway.allowedHosts={fleet-graph.example.com}',
];

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection', '*'];

let defaults: Manifest[];
let allOn: Manifest[];

// Rendered objects are plain JSON of many shapes; the assertions below are what checks them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Manifest & Record<string, any>;

function one(ms: Manifest[], kind: string): Loose {
  const found = ms.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Loose;
}

beforeAll(async () => {
  [defaults, allOn] = await Promise.all([renderChart(), renderChart(ALL_ON)]);
}, 60_000);

describe('helm lint --strict', () => {
  it('passes for the defaults and with every optional feature on', async () => {
    for (const args of [[], ALL_ON]) {
      const r = await helm(['lint', '--strict', CHART, ...args]);
      expect(r.stdout + r.stderr, args.join(' ')).toContain('0 chart(s) failed');
      expect(r.code).toBe(0);
    }
  });

  it('refuses values that break the schema, with the path of each problem', async () => {
    const r = await helm(['lint', '--strict', CHART, '--set', 'replicaCount=0,gateway.auth=basic']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('/replicaCount');
    expect(r.stdout + r.stderr).toContain('/gateway/auth');
    const unknown = await helm(['lint', '--strict', CHART, '--set', 'gatway.port=1']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stdout + unknown.stderr).toContain('gatway');
  });
});

describe('rendered objects against Kubernetes schemas', () => {
  it('renders the expected kinds; the optional ones only when asked', () => {
    const kinds = (ms: Manifest[]) => ms.map((m) => m.kind).sort();
    const base = [
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ];
    expect(kinds(defaults)).toEqual(base);
    expect(kinds(allOn)).toEqual(
      [...base, 'Ingress', 'NetworkPolicy', 'PrometheusRule', 'ServiceMonitor'].sort(),
    );
  });

  it('every object passes kubernetes-models validation (types, enums, required fields)', () => {
    for (const m of [...defaults, ...allOn]) {
      expect(() => validateWithModels(m), `${m.kind}/${m.metadata.name}`).not.toThrow();
    }
  });

  it('the validator is not blind: a wrong type and an unknown enum value are caught', () => {
    const deployment = structuredClone(one(defaults, 'Deployment'));
    deployment.spec.replicas = 'two';
    expect(() => validateWithModels(deployment)).toThrow(/replicas/);
    const service = structuredClone(one(defaults, 'Service'));
    service.spec.type = 'Public';
    expect(() => validateWithModels(service)).toThrow();
  });

  it('no object has a field its Kubernetes type does not know (tsc excess-property check)', async () => {
    const lines = ["import type * as k from './k8s-types.js';", ''];
    let n = 0;
    for (const m of [...defaults, ...allOn]) {
      const type = TYPED_KINDS[`${m.apiVersion}/${m.kind}`];
      if (!type) continue; // CRDs (ServiceMonitor, PrometheusRule): kubernetes-models only
      lines.push(`export const m${n++} = ${JSON.stringify(m)} satisfies ${type};`);
    }
    // The check must be able to fail: tsc itself reports an unused expectation.
    lines.push(
      '// @ts-expect-error an unknown field',
      `export const wrong = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replica: 2, selector: {}, template: {} } } satisfies k.Deployment;`,
    );
    const dir = join(ROOT, '.cache', 'chart-types');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'manifests.ts'), `${lines.join('\n')}\n`);
    await writeFile(
      join(dir, 'k8s-types.ts'),
      await readFile(join(ROOT, 'test/deploy/k8s-types.ts'), 'utf8'),
    );
    expect(n).toBeGreaterThanOrEqual(18);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [
      tsc,
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--module',
      'nodenext',
      '--target',
      'es2022',
    ];
    const result = await run(process.execPath, [...args, join(dir, 'manifests.ts')]).then(
      () => '',
      (e: { stdout?: string; message?: string }) => e.stdout || e.message || 'tsc failed',
    );
    expect(result).toBe('');
  }, 60_000);
});

describe('the Deployment', () => {
  it('runs two spread replicas behind a PodDisruptionBudget', () => {
    const d = one(defaults, 'Deployment');
    expect(d.spec.replicas).toBe(2);
    const spread = d.spec.template.spec.topologySpreadConstraints;
    expect(spread).toHaveLength(1);
    expect(spread[0].labelSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
    const pdb = one(defaults, 'PodDisruptionBudget');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
  });

  it('meets the restricted Pod Security Standard', () => {
    const pod = one(defaults, 'Deployment').spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(Number.isInteger(pod.securityContext.runAsUser)).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.securityContext.capabilities.add).toBeUndefined();
      expect(c.resources.requests).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
    }
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.volumes.some((v: { hostPath?: unknown }) => v.hostPath)).toBe(false);
  });

  it('mounts a projected API token with a bounded lifetime instead of the automatic one', () => {
    const pod = one(defaults, 'Deployment').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(one(defaults, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    const vol = pod.volumes.find((v: { name: string }) => v.name === 'api-token');
    const token = vol.projected.sources.find((s: Record<string, unknown>) => s.serviceAccountToken);
    expect(token.serviceAccountToken.expirationSeconds).toBeLessThanOrEqual(3600);
    const mount = pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === 'api-token');
    // Where client-node's in-cluster loader looks.
    expect(mount).toMatchObject({
      mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      readOnly: true,
    });
  });

  it('probes /healthz (startup, liveness) and /readyz (readiness)', () => {
    const c = one(defaults, 'Deployment').spec.template.spec.containers[0];
    expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  it('passes production defaults as flags: auth kubernetes, GraphiQL and introspection off', () => {
    const args: string[] = one(defaults, 'Deployment').spec.template.spec.containers[0].args;
    expect(args[0]).toBe('serve');
    expect(args).toEqual(
      expect.arrayContaining([
        '--backend=in-cluster',
        '--auth=kubernetes',
        '--auth-audiences=fleet-graph',
        '--graphiql=false',
        '--introspection=false',
        '--metrics-port=9090',
        '--leader-election-namespace=fleet-graph',
      ]),
    );
    const on: string[] = one(allOn, 'Deployment').spec.template.spec.containers[0].args;
    expect(on).toEqual(
      expect.arrayContaining([
        '--graphiql=true',
        '--introspection=true',
        '--namespaces=fleet-default,fleet-local',
        '--cors-origins=https://ui.example.com',
        '--allowed-hosts=fleet-graph.example.com',
      ]),
    );
  });
});

describe('RBAC', () => {
  const rules = (ms: Manifest[], kind: string) =>
    one(ms, kind).rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];

  it('reads exactly the watched Fleet kinds and namespaces, and writes nothing in Fleet', () => {
    const cr = rules(defaults, 'ClusterRole');
    const fleet = cr.filter((r) => r.apiGroups.includes('fleet.cattle.io'));
    expect(fleet.flatMap((r) => r.resources).sort()).toEqual(WATCHED_FLEET_TYPES.map((t) => t.plural).sort());
    for (const r of fleet) expect(r.verbs).toEqual(['get', 'list', 'watch']);
    const core = cr.filter((r) => r.apiGroups.includes('') && r.verbs.some((v) => v !== 'impersonate'));
    expect(core).toEqual([{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }]);
    for (const r of [...cr, ...rules(defaults, 'Role')]) {
      expect(r.resources).not.toContain('*');
      expect(r.apiGroups).not.toContain('*');
      expect(r.verbs).not.toContain('*');
      expect(r.resources).not.toContain('secrets');
    }
  });

  it('may review tokens and access, and impersonate callers; nothing more', () => {
    const cr = rules(defaults, 'ClusterRole').filter((r) => !r.verbs.includes('list'));
    expect(cr.map((r) => `${r.apiGroups[0]}/${r.resources.join()}:${r.verbs.join()}`).sort()).toEqual([
      '/groups:impersonate',
      '/serviceaccounts:impersonate',
      '/users:impersonate',
      'authentication.k8s.io/tokenreviews:create',
      'authentication.k8s.io/uids:impersonate',
      'authorization.k8s.io/subjectaccessreviews:create',
    ]);
  });

  it('the only write verbs are on its Lease, in its own namespace', () => {
    const role = one(defaults, 'Role');
    expect(role.metadata.namespace).toBe('fleet-graph');
    expect(role.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ]);
    const writes = rules(defaults, 'ClusterRole').filter((r) => r.verbs.some((v) => WRITE_VERBS.includes(v)));
    expect(writes.flatMap((r) => r.resources).sort()).toEqual(['subjectaccessreviews', 'tokenreviews']);
  });

  it('without leader election it renders no Role at all', async () => {
    const ms = await renderChart(['--set', 'leaderElection.enabled=false']);
    expect(ms.filter((m) => m.kind === 'Role' || m.kind === 'RoleBinding')).toEqual([]);
  }, 30_000);

  it('binds both roles to the chart service account only', () => {
    const sa = one(defaults, 'ServiceAccount').metadata.name;
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      expect(one(defaults, kind).subjects).toEqual([
        { kind: 'ServiceAccount', name: sa, namespace: 'fleet-graph' },
      ]);
    }
    expect(one(defaults, 'Deployment').spec.template.spec.serviceAccountName).toBe(sa);
  });

  it('with --auth none it drops review and impersonation rights', async () => {
    const ms = await renderChart(['--set', 'gateway.auth=none']);
    const cr = rules(ms, 'ClusterRole');
    expect(cr.some((r) => r.verbs.includes('impersonate') || r.verbs.includes('create'))).toBe(false);
    expect(one(ms, 'Deployment').spec.template.spec.containers[0].args).toContain('--auth=none');
  }, 30_000);
});

describe('optional features', () => {
  it('the PrometheusRule carries the rules of docs/monitoring unchanged', async () => {
    const docs = await readFile(join(ROOT, 'docs/monitoring/prometheus-rule.yaml'), 'utf8');
    expect(await readFile(join(CHART, 'files/prometheus-rule.yaml'), 'utf8')).toBe(docs);
    const rule = one(allOn, 'PrometheusRule');
    expect(rule.spec).toEqual((parse(docs) as { spec: unknown }).spec);
    expect(JSON.stringify(rule.spec)).toContain('{{ $labels.workspace }}');
  });

  it('the ServiceMonitor scrapes the metrics port; the Ingress exposes only /graphql', () => {
    expect(one(allOn, 'ServiceMonitor').spec.endpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '30s' },
    ]);
    const paths = one(allOn, 'Ingress').spec.rules[0].http.paths as { path: string }[];
    expect(paths.map((p) => p.path)).toEqual(['/graphql']);
  });

  it('the NetworkPolicy limits egress to DNS and the API server', () => {
    const np = one(allOn, 'NetworkPolicy');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.egress).toHaveLength(2);
    const ports = np.spec.egress.flatMap((e: { ports: { port: number }[] }) => e.ports.map((p) => p.port));
    expect(ports.sort()).toEqual([443, 53, 53, 6443].sort());
  });
});
