/**
 * The `demo` scenario: what a Fleet user sees in Rancher. `fleet-local` holds the `local` cluster
 * (labelled name=local) and the `default` group selecting it, as Fleet's bootstrap creates them
 * (docs/fleet/targeting.md §4.1); `fleet-default` holds three dozen downstream clusters across regions and environments,
 * several groups, six GitRepos with several paths each, one hand-made bundle with a dependency,
 * and a few faults so that not everything is green.
 */
import type { Bundle, Cluster, ClusterGroup, GitRepo } from '../../apis/fleet.js';
import { BUNDLES, CLUSTER_GROUPS, CLUSTERS, GITREPOS } from '../../apis/gvr.js';
import { LABEL_CLUSTER_DISPLAY_NAME } from '../../apis/labels.js';
import type { Fault } from '../controller/context.js';
import type { Scenario } from './types.js';

const LOCAL = 'fleet-local';
const WS = 'fleet-default';

const REGIONS = [
  { region: 'eu-west', geo: 'eu', provider: 'aws' },
  { region: 'eu-central', geo: 'eu', provider: 'azure' },
  { region: 'us-east', geo: 'americas', provider: 'aws' },
  { region: 'us-west', geo: 'americas', provider: 'gcp' },
  { region: 'ap-south', geo: 'apac', provider: 'gcp' },
  { region: 'ap-east', geo: 'apac', provider: 'azure' },
] as const;
const ENVS = ['prod', 'staging', 'dev'] as const;

function cluster(
  namespace: string,
  name: string,
  labels: Record<string, string>,
): { type: typeof CLUSTERS; object: Cluster } {
  return { type: CLUSTERS, object: { metadata: { name, namespace, labels }, spec: {} } };
}

function group(
  name: string,
  selector: ClusterGroup['spec']['selector'],
  labels: Record<string, string> = {},
  namespace = WS,
): { type: typeof CLUSTER_GROUPS; object: ClusterGroup } {
  return { type: CLUSTER_GROUPS, object: { metadata: { name, namespace, labels }, spec: { selector } } };
}

function gitRepo(
  name: string,
  spec: Omit<GitRepo['spec'], 'repo'>,
  labels: Record<string, string> = {},
  namespace = WS,
): { type: typeof GITREPOS; object: GitRepo } {
  return {
    type: GITREPOS,
    object: {
      metadata: { name, namespace, labels },
      spec: { repo: `https://github.com/example-org/${name}`, branch: 'main', ...spec },
    },
  };
}

export function demoScenario(): Scenario {
  const objects: Scenario['objects'] = [
    cluster(LOCAL, 'local', { name: 'local' }),
    group('default', { matchLabels: { name: 'local' } }, {}, LOCAL),
  ];
  for (const env of ENVS) {
    for (const r of REGIONS) {
      for (const n of [1, 2]) {
        const name = `${env}-${r.region}-${n}`;
        objects.push(
          cluster(WS, name, {
            env,
            region: r.region,
            geo: r.geo,
            provider: r.provider,
            [LABEL_CLUSTER_DISPLAY_NAME]: `${r.region.toUpperCase()} ${env} #${n}`.replace(
              /[^A-Za-z0-9_.-]+/g,
              '_',
            ),
          }),
        );
      }
    }
  }
  objects.push(
    group('production', { matchLabels: { env: 'prod' } }, { tier: 'critical' }),
    group('staging', { matchLabels: { env: 'staging' } }, { tier: 'preprod' }),
    group('development', { matchLabels: { env: 'dev' } }, { tier: 'sandbox' }),
    group('europe', { matchLabels: { geo: 'eu' } }, { geo: 'eu' }),
    group('americas', { matchLabels: { geo: 'americas' } }, { geo: 'americas' }),
    group('asia-pacific', { matchLabels: { geo: 'apac' } }, { geo: 'apac' }),
  );
  objects.push(
    gitRepo('local-infra', { paths: ['fleet-monitoring', 'backup'] }, { team: 'platform' }, LOCAL),
    gitRepo(
      'platform-core',
      {
        paths: ['cert-manager', 'ingress-nginx', 'external-dns', 'metrics-server'],
        targets: [{ name: 'all', clusterSelector: {} }],
      },
      { team: 'platform' },
    ),
    gitRepo(
      'observability',
      {
        paths: ['prometheus', 'grafana', 'loki', 'promtail'],
        targets: [
          { name: 'production', clusterGroup: 'production' },
          { name: 'staging', clusterGroup: 'staging' },
        ],
      },
      { team: 'sre' },
    ),
    gitRepo(
      'payments',
      {
        paths: ['api', 'worker', 'frontend'],
        targets: [
          {
            name: 'eu-prod',
            clusterGroupSelector: { matchLabels: { geo: 'eu' } },
            clusterSelector: { matchLabels: { env: 'prod' } },
          },
        ],
      },
      { team: 'payments' },
    ),
    gitRepo(
      'storefront',
      {
        paths: ['web', 'catalog', 'cart', 'checkout'],
        targets: [
          { name: 'americas', clusterGroup: 'americas' },
          { name: 'canary', clusterName: 'staging-eu-west-1' },
        ],
      },
      { team: 'commerce' },
    ),
    gitRepo(
      'security-policies',
      {
        paths: ['kyverno', 'policies/baseline', 'policies/restricted'],
        targets: [
          {
            name: 'prod-and-staging',
            clusterSelector: {
              matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }],
            },
          },
        ],
      },
      { team: 'security' },
    ),
    gitRepo(
      'dev-tools',
      { paths: ['tekton', 'argo-workflows'], targets: [{ name: 'dev', clusterGroup: 'development' }] },
      { team: 'platform' },
    ),
  );
  // A bundle made by hand (as `fleet apply` from a CI job would): it waits on payments-api on
  // each cluster (dependsOn, docs/fleet/objects.md §2.10), and a new version of it reaches one
  // cluster at a time (rolloutStrategy.maxUnavailable, docs/fleet/rollout.md §7.1).
  const migrations: Bundle = {
    metadata: { name: 'payments-migrations', namespace: WS, labels: { team: 'payments' } },
    spec: {
      dependsOn: [{ name: 'payments-api' }],
      rolloutStrategy: { maxUnavailable: 1 },
      resources: [
        { name: 'job.yaml', content: 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\n' },
      ],
      targets: [
        { name: 'eu-prod', clusterGroup: 'europe', clusterSelector: { matchLabels: { env: 'prod' } } },
      ],
    },
  };
  objects.push({ type: BUNDLES, object: migrations });

  const faults: Fault[] = [
    { cluster: `${WS}/prod-eu-central-2`, bundle: `${WS}/payments-api`, fault: 'ErrApplied' },
    { cluster: `${WS}/prod-us-east-1`, bundle: `${WS}/observability-loki`, fault: 'NotReady' },
    { cluster: `${WS}/prod-us-west-1`, bundle: `${WS}/storefront-cart`, fault: 'Modified' },
    { cluster: `${WS}/dev-ap-south-2`, fault: 'Offline' },
  ];
  return { objects, faults };
}
