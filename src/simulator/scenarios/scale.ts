/**
 * The `scale` scenario, for benchmarks: N clusters × M bundles (one GitRepo with M paths targeting
 * every cluster), seeded directly into the emulator with every derived object already in its
 * converged state — cluster namespaces, Bundles, BundleDeployments with agent status, and the
 * roll-ups — computed with the same rules the controllers use, so nothing waits for reconciles.
 */
import type { Bundle, BundleDeployment, Cluster, GitRepo, Namespace } from '../../apis/fleet.js';
import { BUNDLE_DEPLOYMENTS, BUNDLES, CLUSTERS, GITREPOS, NAMESPACES } from '../../apis/gvr.js';
import {
  ANNOTATION_CLUSTER,
  ANNOTATION_CLUSTER_NAMESPACE,
  FINALIZER_BUNDLE,
  FINALIZER_BUNDLE_DEPLOYMENT,
  FINALIZER_CLUSTER,
  FINALIZER_GITREPO,
  LABEL_CONTENT_NAME,
  LABEL_MANAGED,
  LABEL_REPO_NAME,
} from '../../apis/labels.js';
import { appliedStatus } from '../controller/agent.js';
import { agentBundleFor } from '../controller/agentbundle.js';
import { bundlesForGitRepo, commitOf } from '../controller/gitops.js';
import { preprocessHelmValues } from '../controller/helm-values.js';
import { clusterNamespaceName, deploymentId, manifestId } from '../controller/naming.js';
import {
  bundleDeploymentDisplay,
  bundleDeploymentLabels,
  bundleStatus,
  clusterStatusFromDeployments,
  gitRepoStatusFromDeployments,
} from '../controller/rollups.js';
import { setCondition } from '../controller/state.js';
import { computeTargets } from '../controller/targeting.js';
import type { Scenario } from './types.js';

const WS = 'fleet-default';
const ENVS = ['prod', 'staging', 'dev'];
const REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'];

export function scaleScenario(clusterCount: number, bundleCount: number, now: string): Scenario {
  const objects: Scenario['objects'] = [];
  const clusters: Cluster[] = [];
  for (let i = 0; i < clusterCount; i++) {
    const name = `scale-${String(i).padStart(5, '0')}`;
    const namespace = clusterNamespaceName(WS, name);
    const ns: Namespace = {
      metadata: {
        name: namespace,
        labels: { [LABEL_MANAGED]: 'true' },
        annotations: { [ANNOTATION_CLUSTER_NAMESPACE]: WS, [ANNOTATION_CLUSTER]: name },
      },
    };
    objects.push({ type: NAMESPACES, object: ns });
    clusters.push({
      metadata: {
        name,
        namespace: WS,
        labels: { env: ENVS[i % ENVS.length]!, region: REGIONS[i % REGIONS.length]! },
        finalizers: [FINALIZER_CLUSTER],
      },
      spec: {},
      status: { namespace, agent: { lastSeen: now, namespace: 'cattle-fleet-system' } },
    });
  }
  const repo: GitRepo = {
    metadata: { name: 'scale', namespace: WS, labels: { team: 'bench' }, finalizers: [FINALIZER_GITREPO] },
    spec: {
      repo: 'https://github.com/example-org/scale',
      branch: 'main',
      paths: Array.from({ length: bundleCount }, (_, j) => `bundle-${String(j).padStart(4, '0')}`),
      targets: [{ name: 'all', clusterSelector: {} }],
    },
  };
  // The GitRepo's bundles target every cluster; each agent bundle only its own cluster.
  const work: { bundle: Bundle; candidates: Cluster[] }[] = [
    ...bundlesForGitRepo(repo).map((bundle) => ({ bundle, candidates: clusters })),
    ...clusters.map((c) => ({ bundle: agentBundleFor(c), candidates: [c] })),
  ];
  const bundles: Bundle[] = [];
  const bds: BundleDeployment[] = [];
  for (const { bundle: b, candidates } of work) {
    const bundle: Bundle = { ...b, metadata: { ...b.metadata, finalizers: [FINALIZER_BUNDLE] } };
    bundles.push(bundle);
    const manifest = manifestId(bundle.spec.resources);
    const matches = computeTargets({
      bundle,
      clusters: candidates,
      clusterGroups: [],
      mappings: [],
      namespaces: [],
    });
    const targets = [];
    for (const match of matches) {
      // As the bundle reconciler stages them: Helm values preprocessed per cluster.
      const m = { ...match, options: preprocessHelmValues(match.options, match.cluster) };
      const id = deploymentId(manifest, m.options);
      const bd: BundleDeployment = {
        metadata: {
          name: bundle.metadata.name ?? '',
          namespace: m.cluster.status?.namespace ?? '',
          labels: {
            ...bundleDeploymentLabels(
              bundle.metadata.labels,
              { name: bundle.metadata.name ?? '', namespace: WS },
              { name: m.cluster.metadata.name ?? '', namespace: WS },
            ),
            [LABEL_CONTENT_NAME]: manifest,
          },
          finalizers: [FINALIZER_BUNDLE_DEPLOYMENT],
        },
        spec: {
          stagedOptions: m.options,
          stagedDeploymentID: id,
          options: m.options,
          deploymentID: id,
          paused: false,
          dependsOn: [],
        },
      };
      bd.status = appliedStatus(bd, [], true, now);
      bd.status.display = bundleDeploymentDisplay(bd);
      bds.push(bd);
      targets.push({
        clusterNamespace: WS,
        clusterName: m.cluster.metadata.name ?? '',
        bd,
        deploymentId: id,
      });
    }
    bundle.status = bundleStatus(
      { ...bundle, metadata: { ...bundle.metadata, generation: 1 } },
      targets,
      { maxNew: 50, newlyCreated: 0 },
      now,
    );
  }
  for (const c of clusters) {
    const mine = bds.filter((bd) => bd.metadata.namespace === c.status?.namespace);
    const st = clusterStatusFromDeployments(mine, {
      lastSeen: now,
      existingGitRepos: new Set([`${WS}/scale`]),
      conditions: undefined,
      now,
    });
    c.status = {
      ...c.status,
      ...st,
      conditions: setCondition(st.conditions, { type: 'Processed', status: 'True' }, now),
    };
  }
  repo.status = {
    // The GitRepo's own deployments: the fleet-agent bundles belong to agent management.
    ...gitRepoStatusFromDeployments(
      bds.filter((bd) => bd.metadata.labels?.[LABEL_REPO_NAME] === repo.metadata.name),
      {
        gitJobStatus: 'Current',
        bundleReady: [],
        conditions: undefined,
        now,
      },
    ),
    commit: commitOf(repo),
    observedGeneration: 1,
    updateGeneration: 0,
    gitJobStatus: 'Current',
  };
  objects.push(...clusters.map((object) => ({ type: CLUSTERS, object })));
  objects.push({ type: GITREPOS, object: repo });
  objects.push(...bundles.map((object) => ({ type: BUNDLES, object })));
  objects.push(...bds.map((object) => ({ type: BUNDLE_DEPLOYMENTS, object })));
  return { objects, faults: [] };
}
