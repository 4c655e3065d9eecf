/**
 * The project's own CustomResourceDefinitions of Fleet's kinds (`fleet.cattle.io/v1alpha1`),
 * written from docs/fleet/objects.md §1 for scope, printer columns and categories, docs/fleet/objects.md §2 for the fields.
 * The schemas describe the fields the project reads or writes; parts we do not model (Helm values,
 * bundle resources, agent scheduling) preserve unknown fields so real Fleet objects fit.
 *
 * Why this file is over 400 lines: it is one data table, the OpenAPI schemas of Fleet's kinds,
 * mostly field descriptions; the shared blocks are reused across kinds, so the kinds stay together.
 */
import type {
  CustomResourceColumnDefinition,
  CustomResourceDefinition,
  JSONSchemaProps,
} from '../apiserver/types.js';
import { FLEET_GROUP, FLEET_VERSION } from '../../apis/gvr.js';
import {
  arr,
  bool,
  duration,
  int,
  int64,
  intOrString,
  labelSelector,
  obj,
  preserved,
  str,
  stringList,
  stringMap,
  time,
} from './schema-builders.js';

// ---- shared blocks (docs/fleet/objects.md §2.1) ----------------------------------------------------------------------

const condition = obj(
  "A condition in wrangler's generic shape: every field is a string.",
  {
    type: str('Type of the condition, e.g. Ready.'),
    status: str('True, False or Unknown.'),
    reason: str('Machine-readable reason; "Error" when an error is recorded.'),
    message: str('Human-readable message.'),
    lastUpdateTime: str('Last time the condition was updated (RFC3339).'),
    lastTransitionTime: str('Last time the condition changed status (RFC3339).'),
  },
  { required: ['type', 'status'] },
);
const conditions = arr(
  'Conditions of this object; the Status column shows the message of the Ready condition.',
  condition,
);

const modifiedStatus = obj('A resource that differs from the bundle.', {
  kind: str('Kind of the resource.'),
  apiVersion: str('API version of the resource.'),
  namespace: str('Namespace of the resource.'),
  name: str('Name of the resource.'),
  missing: bool('The resource should exist but does not.'),
  exist: bool('Used with missing: the object exists but is not owned by this bundle.'),
  delete: bool('An extra, orphaned resource.'),
  patch: str('The patch that would correct the drift.'),
});

const nonReadyStatus = obj('A resource that is not ready.', {
  uid: str('UID of the resource.'),
  kind: str('Kind of the resource.'),
  apiVersion: str('API version of the resource.'),
  namespace: str('Namespace of the resource.'),
  name: str('Name of the resource.'),
  summary: obj('kstatus-like summary.', {
    state: str('State of the resource.'),
    error: bool('Whether the state is an error.'),
    transitioning: bool('Whether the resource is transitioning.'),
    message: stringList('Messages.'),
  }),
});

const bundleSummary = obj('Counts of BundleDeployments by state.', {
  notReady: int('BundleDeployments in state NotReady.'),
  waitApplied: int('BundleDeployments in state WaitApplied.'),
  errApplied: int('BundleDeployments in state ErrApplied.'),
  outOfSync: int('BundleDeployments in state OutOfSync.'),
  modified: int('BundleDeployments in state Modified.'),
  pending: int('BundleDeployments in state Pending.'),
  ready: int('BundleDeployments that are Ready.'),
  desiredReady: int('BundleDeployments that should be Ready.'),
  nonReadyResources: arr(
    'Up to 10 non-ready BundleDeployments with their details.',
    obj('A non-ready BundleDeployment.', {
      name: str('Name of the BundleDeployment, or "<clusterNamespace>/<clusterName>" in a Bundle summary.'),
      bundleState: str('The BundleState.'),
      message: str('Message.'),
      modifiedStatus: arr('Modified resources.', modifiedStatus),
      nonReadyStatus: arr('Non-ready resources.', nonReadyStatus),
    }),
  ),
});

const resourceCounts = obj('Counts of Kubernetes resources by state.', {
  ready: int('Ready resources.'),
  desiredReady: int('Resources that should be ready.'),
  waitApplied: int('Resources waiting to be applied.'),
  modified: int('Modified resources.'),
  orphaned: int('Orphaned resources.'),
  missing: int('Missing resources.'),
  unknown: int('Resources in an unknown state.'),
  notReady: int('Resources that are not ready.'),
});

const perClusterState = obj('Per state, the "<clusterNs>/<clusterName>" of the clusters in it.', {
  ready: stringList('Clusters where the resource is ready.'),
  waitApplied: stringList('Clusters waiting to apply.'),
  pending: stringList('Clusters pending.'),
  modified: stringList('Clusters where it is modified.'),
  orphaned: stringList('Clusters where it is orphaned.'),
  missing: stringList('Clusters where it is missing.'),
  unknown: stringList('Clusters where its state is unknown.'),
  notReady: stringList('Clusters where it is not ready.'),
});

const statusResource = obj('A Kubernetes resource deployed by this source.', {
  apiVersion: str('API version.'),
  kind: str('Kind.'),
  namespace: str('Namespace.'),
  name: str('Name.'),
  type: str('Lowercased kind, prefixed by the group and a dot when it has one.'),
  id: str('"ns/name", or "name" without a namespace.'),
  state: str('State.'),
  error: bool('Whether the state is an error.'),
  transitioning: bool('Whether the resource is transitioning.'),
  incompleteState: bool('Whether the per-cluster lists were cut off.'),
  message: str('Message.'),
  perClusterState,
});

/** StatusBase, shared by GitRepo and HelmOp status (docs/fleet/objects.md §2.1). */
const statusBase: Record<string, JSONSchemaProps> = {
  readyClusters: int('Clusters where every BundleDeployment of this source is ready.'),
  desiredReadyClusters: int('Clusters targeted by this source.'),
  summary: bundleSummary,
  display: obj('Pre-computed display values.', {
    readyBundleDeployments: str('"ready/desired" BundleDeployments.'),
    state: str('Overall state.'),
    message: str('Message.'),
    error: bool('Whether the state is an error.'),
  }),
  conditions,
  resources: arr('Resources deployed by this source.', statusResource),
  resourceCounts,
  perClusterResourceCounts: {
    type: 'object',
    description: 'ResourceCounts per "<clusterNamespace>/<clusterName>".',
    additionalProperties: resourceCounts,
  },
};

// ---- targeting (docs/fleet/objects.md §2.2–2.4, docs/fleet/targeting.md §4) -------------------------------------------------------------------

const targetMatch: Record<string, JSONSchemaProps> = {
  name: str('Name of this target, used in customizations and status.'),
  clusterName: str(
    'Match the cluster with this name (or, v0.13.7+, its management.cattle.io/cluster-display-name label).',
  ),
  clusterSelector: labelSelector('Match clusters whose labels this selector selects.'),
  clusterGroup: str('Match the clusters of the ClusterGroup with this name.'),
  clusterGroupSelector: labelSelector(
    'Match the clusters of the ClusterGroups whose labels this selector selects.',
  ),
};

const helmOptions = obj(
  'Helm chart options.',
  {
    chart: str('Chart name, path or OCI reference.'),
    repo: str('Helm repository URL.'),
    releaseName: str('Helm release name.', { maxLength: 53 }),
    version: str('Chart version.'),
    timeoutSeconds: int('Helm timeout in seconds.'),
    values: preserved('Helm values (since v0.13 kept in a Secret; see valuesHash).'),
    templateValues: stringMap('Values templated per cluster.'),
    valuesFrom: preserved('Sources of values (ConfigMaps, Secrets).', 'array'),
    valuesFiles: stringList('Values files.'),
    force: bool('Force resource updates through replacement.'),
    takeOwnership: bool('Take ownership of existing resources.'),
    maxHistory: int('Maximum Helm release history.'),
    waitForJobs: bool('Wait for Jobs to complete.'),
    atomic: bool('Roll back on failure.'),
    disablePreProcess: bool('Disable Go templating of values.'),
    disableDNS: bool('Disable DNS lookups in templates.'),
    skipSchemaValidation: bool('Skip the chart values schema validation.'),
    disableDependencyUpdate: bool('Do not update chart dependencies.'),
  },
  { 'x-kubernetes-preserve-unknown-fields': true },
);

/** BundleDeploymentOptions (docs/fleet/objects.md §2.4), inlined in Bundle.spec, BundleTarget and BD.spec.options. */
const deploymentOptions: Record<string, JSONSchemaProps> = {
  defaultNamespace: str('Namespace for resources that do not name one.'),
  namespace: str('Target namespace: forces every resource into this namespace.'),
  serviceAccount: str('Service account used to deploy.'),
  createNamespace: bool('Create the target namespace if missing.'),
  helm: helmOptions,
  kustomize: obj('Kustomize options.', { dir: str('Kustomization directory.') }),
  yaml: obj('Raw YAML options.', { overlays: stringList('Overlays to apply.') }),
  diff: obj('Drift comparison options.', {
    comparePatches: preserved('Patches applied before comparing.', 'array'),
  }),
  ignore: obj('What the state computation ignores.', {
    conditions: preserved('Conditions to ignore.', 'array'),
  }),
  correctDrift: obj('Drift correction.', {
    enabled: bool('Correct drift.'),
    force: bool('Force the correction.'),
    keepFailHistory: bool('Keep failed Helm history.'),
  }),
  forceSyncGeneration: int64('Change to force a redeploy.'),
  keepResources: bool('Keep resources when the bundle is removed.'),
  deleteNamespace: bool('Delete the target namespace when the bundle is removed.'),
  deleteCRDResources: bool('Delete CRD instances when CRDs are removed.'),
  namespaceLabels: stringMap('Labels for the target namespace.'),
  namespaceAnnotations: stringMap('Annotations for the target namespace.'),
  downstreamResources: arr(
    'Secrets and ConfigMaps copied to the downstream cluster.',
    obj('A copied resource.', { kind: str('Secret or ConfigMap.'), name: str('Name.') }),
  ),
  overwrites: preserved('Internal.', 'array'),
  allowedTargetNamespaceSelector: labelSelector('Internal: copied from GitRepoRestriction.'),
};

const bundleTarget = obj('A BundleTarget: which clusters it selects, plus per-target deployment options.', {
  ...deploymentOptions,
  ...targetMatch,
  doNotDeploy: bool('Match the clusters but deploy nothing to them.'),
});

const rolloutStrategy = obj('How changes roll out across clusters.', {
  maxUnavailable: intOrString(
    'Cluster-wide limit on unavailable BundleDeployments while rolling out (default 100%).',
  ),
  maxUnavailablePartitions: intOrString('Limit on unavailable partitions (default 0).'),
  autoPartitionSize: intOrString('Size of automatic partitions (default 25%).'),
  autoPartitionThreshold: int('Minimum number of targets before auto-partitioning (default 200).'),
  maxNew: int('Maximum new BundleDeployments staged per reconcile (default 50).'),
  partitions: arr(
    'Manual partitions.',
    obj('A manual partition.', {
      name: str('Partition name.'),
      maxUnavailable: intOrString('Unavailable limit inside the partition.'),
      ...targetMatch,
    }),
  ),
});

const dependsOn = arr(
  'Bundles that must be in an accepted state on the same cluster first.',
  obj('A dependency.', {
    name: str('Bundle name.'),
    selector: labelSelector('Selects the Bundles by label.'),
    acceptedStates: stringList('Accepted states; empty means Ready.'),
  }),
);

const bundleSpecFields: Record<string, JSONSchemaProps> = {
  ...deploymentOptions,
  paused: bool('Stage changes without deploying them.'),
  rolloutStrategy,
  resources: preserved('The bundle resources: [{name, content, encoding}]. Can be large.', 'array'),
  targetCustomizationMode: str('FirstMatch (default) or AllMatches (v0.16+).'),
  targets: arr('Targets: the clusters to deploy to, with customizations.', bundleTarget),
  targetRestrictions: arr(
    'Restrictions: a target must also match one of these.',
    obj('A target restriction.', targetMatch),
  ),
  dependsOn,
  contentsId: str('Set when OCI storage is used.'),
  helmOpOptions: obj('Only on HelmOp-generated bundles.', {
    helmOpSecretName: str('Secret with Helm repository credentials.'),
    helmOpInsecureSkipTLSVerify: bool('Skip TLS verification.'),
    helmOpCABundle: str('CA bundle.'),
  }),
  valuesHash: str('Hash of the Helm values kept in a Secret named like the bundle.'),
};

// ---- kinds ------------------------------------------------------------------------------------

const gitTarget = obj(
  'A GitTarget selects clusters: by name, label selector, group or group selector.',
  targetMatch,
);

const gitRepoSpec = obj(
  'GitRepo spec: where the manifests are and where they go.',
  {
    repo: str('URL of the git repository.', { minLength: 1 }),
    branch: str('Branch to watch; default master.'),
    revision: str('A fixed revision (commit or tag) instead of a branch.'),
    paths: stringList('Paths in the repository holding bundles; globs allowed; default the repository root.'),
    bundles: preserved('Explicit bundle definitions [{base, options}].', 'array'),
    clientSecretName: str('Secret with git credentials.'),
    helmSecretName: str('Secret with Helm credentials.'),
    helmSecretNameForPaths: str('Secret with Helm credentials per path.'),
    helmRepoURLRegex: str('Helm repositories that get the Helm credentials.'),
    caBundle: str('PEM CA bundle, base64.'),
    insecureSkipTLSVerify: bool('Skip TLS verification of the git server.'),
    ociRegistrySecret: str('Secret with OCI registry settings.'),
    webhookSecret: str('Secret for webhook payload validation.'),
    targetNamespace: str('Force every resource into this namespace.'),
    serviceAccount: str('Service account used to deploy.'),
    targets: arr('Targets: which clusters get the bundles of this repository.', gitTarget),
    paused: bool('Stage changes without deploying them.'),
    forceSyncGeneration: int64('Change to force a redeploy.'),
    keepResources: bool('Keep resources when the GitRepo is removed.'),
    deleteNamespace: bool('Delete the target namespace when the GitRepo is removed.'),
    correctDrift: deploymentOptions.correctDrift!,
    pollingInterval: duration('How often to poll the repository; "0" allowed.'),
    disablePolling: bool('Do not poll; rely on webhooks.'),
    imageScanInterval: duration('Image scan interval.'),
    imageScanCommit: obj('Commit settings for image scans.', {
      authorName: str('Author name.'),
      authorEmail: str('Author email.'),
      messageTemplate: str('Commit message template.'),
    }),
  },
  { required: ['repo'] },
);

const gitRepoStatus = obj('GitRepo status.', {
  ...statusBase,
  observedGeneration: int64('Generation the controller acted on.'),
  updateGeneration: int64('The last forceSyncGeneration acted on.'),
  commit: str('The commit deployed.'),
  webhookCommit: str('Commit reported by webhook.'),
  lastWebhookTime: time('Time of the last webhook.'),
  pollingCommit: str('Commit seen by polling.'),
  gitJobStatus: str('kstatus of the fleet apply Job: InProgress, Current, Failed or Terminating.'),
  lastSyncedImageScanTime: time('Last image scan sync.'),
  lastPollingTriggered: time('Last time polling ran.'),
});

const helmOpSpec = obj('HelmOp spec: a Helm chart deployed as a Bundle.', {
  ...bundleSpecFields,
  labels: stringMap('Labels copied onto the Bundle.'),
  pollingInterval: duration('How often to check for new chart versions.'),
  helmSecretName: str('Secret with Helm credentials.'),
  insecureSkipTLSVerify: bool('Skip TLS verification.'),
});

const helmOpStatus = obj('HelmOp status.', {
  ...statusBase,
  lastPollingTriggered: time('Last time polling ran.'),
  version: str('The chart version resolved.'),
});

const bundleStatus = obj('Bundle status.', {
  conditions,
  summary: bundleSummary,
  newlyCreated: int('BundleDeployments created in this reconcile.'),
  unavailable: int('Unavailable BundleDeployments.'),
  unavailablePartitions: int('Unavailable partitions.'),
  maxUnavailable: int('The maxUnavailable limit resolved.'),
  maxUnavailablePartitions: int('The maxUnavailablePartitions limit resolved.'),
  maxNew: int('The maxNew limit resolved.'),
  partitions: arr(
    'Partitions of the rollout.',
    obj('A partition.', {
      name: str('Name.'),
      count: int('Targets in it.'),
      maxUnavailable: int('Its unavailable limit.'),
      unavailable: int('Unavailable targets in it.'),
      summary: bundleSummary,
    }),
  ),
  display: obj('Pre-computed display values.', {
    readyClusters: str('"ready/desired" clusters.'),
    state: str('Overall state.'),
  }),
  resourceKey: preserved('Deprecated; always cleared.', 'array'),
  ociReference: str('Informational only.'),
  observedGeneration: int64('Generation the controller acted on.'),
  resourcesSha256Sum: str('Checksum of the resources.'),
});

const bundleDeploymentSpec = obj('BundleDeployment spec: what the agent should deploy on its cluster.', {
  paused: bool('Do not promote staged options.'),
  stagedOptions: obj('Options the controller wants next.', deploymentOptions),
  stagedDeploymentID: str('Deployment ID the controller wants next.'),
  options: obj('Options the agent applies now.', deploymentOptions),
  deploymentID: str('Deployment ID the agent applies now: "<manifestID>:<sha256 of options>".'),
  dependsOn,
  correctDrift: deploymentOptions.correctDrift!,
  ociContents: bool('Contents are in OCI storage.'),
  helmChartOptions: preserved('Helm chart options for HelmOp bundles.'),
  valuesHash: str('Hash of the values Secret.'),
  downstreamResourcesGeneration: int('Generation of the copied downstream resources.'),
  offSchedule: bool('Outside its schedule window: the agent ignores it.'),
  waitingForValues: bool('The controller could not read the values Secret yet.'),
});

const bundleDeploymentStatus = obj('BundleDeployment status, written by the agent.', {
  conditions,
  appliedDeploymentID: str('Deployment ID applied on the cluster.'),
  release: str('"<namespace>/<release>:<version>"'),
  ready: bool('All resources are ready.'),
  nonModified: bool('No drift.'),
  nonReadyStatus: arr('Up to 10 non-ready resources.', nonReadyStatus),
  modifiedStatus: arr('Up to 10 modified resources.', modifiedStatus),
  incompleteState: bool('A status list was truncated.'),
  display: obj('Pre-computed display values.', {
    deployed: str('Deployed condition status, or "Error: <message>".'),
    monitored: str('Monitored condition status, or "Error: <message>".'),
    state: str('The BundleState.'),
  }),
  syncGeneration: int64('The forceSyncGeneration applied.'),
  resources: arr(
    'Deployed resources.',
    obj('A deployed resource.', {
      kind: str('Kind.'),
      apiVersion: str('API version.'),
      namespace: str('Namespace.'),
      name: str('Name.'),
      createdAt: time('Creation time.'),
    }),
  ),
  resourceCounts,
  downstreamResourcesGeneration: int('Generation of the copied downstream resources.'),
});

const clusterSpec = obj('Cluster spec: a downstream cluster registered with Fleet.', {
  paused: bool('Pause every BundleDeployment on this cluster.'),
  clientID: str('Unique ID of the agent.'),
  kubeConfigSecret: str('Secret with the kubeconfig of the cluster.'),
  kubeConfigSecretNamespace: str('Namespace of that Secret.'),
  redeployAgentGeneration: int64('Change to redeploy the agent.'),
  agentEnvVars: preserved('Environment variables of the agent.', 'array'),
  agentNamespace: str('Namespace of the agent on the cluster.'),
  privateRepoURL: str('Private registry for the agent image.'),
  agentTolerations: preserved('Tolerations of the agent.', 'array'),
  agentAffinity: preserved('Affinity of the agent.'),
  agentResources: preserved('Resources of the agent.'),
  hostNetwork: bool('Run the agent on the host network.'),
  agentSchedulingCustomization: preserved('Agent scheduling customization.'),
  agentPullSecrets: preserved('Image pull secrets of the agent.', 'array'),
  templateValues: preserved('Free-form values exposed to templating as .ClusterValues.'),
});

const clusterStatus = obj(
  'Cluster status.',
  {
    conditions,
    namespace: str("The namespace holding this cluster's BundleDeployments."),
    summary: bundleSummary,
    resourceCounts,
    readyGitRepos: int('Ready GitRepos.'),
    desiredReadyGitRepos: int('GitRepos that should be ready.'),
    readyHelmOps: int('Ready HelmOps.'),
    desiredReadyHelmOps: int('HelmOps that should be ready.'),
    display: obj('Pre-computed display values.', {
      readyBundles: str('"ready/desired" bundles.'),
      state: str('Overall state.'),
    }),
    agent: obj('Agent check-in.', {
      lastSeen: time('Last agent check-in.'),
      namespace: str('Namespace the agent runs in.'),
    }),
    scheduled: bool('A Schedule applies to this cluster.'),
    activeSchedule: bool('The schedule window is open.'),
  },
  // Agent bookkeeping fields (hashes, migration flags) are kept without being modelled.
  { 'x-kubernetes-preserve-unknown-fields': true },
);

const clusterGroupStatus = obj('ClusterGroup status.', {
  clusterCount: int('Member clusters.'),
  nonReadyClusterCount: int('Member clusters not ready.'),
  nonReadyClusters: stringList('Up to 10 non-ready member clusters.'),
  conditions,
  summary: bundleSummary,
  display: obj('Pre-computed display values.', {
    readyClusters: str('"ready/total" clusters.'),
    readyBundles: str('"ready/desired" bundles.'),
    state: str('Overall state.'),
  }),
  resourceCounts,
});

// ---- CRD assembly -----------------------------------------------------------------------------

const READY_MESSAGE = '.status.conditions[?(@.type=="Ready")].message';

function column(name: string, jsonPath: string, type = 'string'): CustomResourceColumnDefinition {
  return { name, type, jsonPath };
}

interface KindDef {
  kind: string;
  plural: string;
  namespaced?: boolean;
  categories?: string[];
  description: string;
  properties: Record<string, JSONSchemaProps>;
  columns?: CustomResourceColumnDefinition[];
  /** Every Fleet kind has a status subresource, even those without a modelled status. */
  status?: boolean;
}

function crd(d: KindDef): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${d.plural}.${FLEET_GROUP}` },
    spec: {
      group: FLEET_GROUP,
      names: {
        kind: d.kind,
        listKind: `${d.kind}List`,
        plural: d.plural,
        singular: d.kind.toLowerCase(),
        ...(d.categories ? { categories: d.categories } : {}),
      },
      scope: d.namespaced === false ? 'Cluster' : 'Namespaced',
      versions: [
        {
          name: FLEET_VERSION,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: { type: 'object', description: d.description, properties: d.properties },
          },
          ...(d.status !== false ? { subresources: { status: {} } } : {}),
          ...(d.columns ? { additionalPrinterColumns: d.columns } : {}),
        },
      ],
    },
  };
}

/** Fleet's kinds as CRDs, in the order they should be installed. */
export function fleetCustomResourceDefinitions(): CustomResourceDefinition[] {
  return [
    crd({
      kind: 'GitRepo',
      plural: 'gitrepos',
      categories: ['fleet'],
      description:
        'GitRepo describes a git repository that is watched by Fleet. Its paths are compiled into Bundles, deployed to the clusters its targets select.',
      properties: { spec: gitRepoSpec, status: gitRepoStatus },
      columns: [
        column('Repo', '.spec.repo'),
        column('Commit', '.status.commit'),
        column('BundleDeployments-Ready', '.status.display.readyBundleDeployments'),
        column('Status', READY_MESSAGE),
      ],
    }),
    crd({
      kind: 'HelmOp',
      plural: 'helmops',
      categories: ['fleet'],
      description: 'HelmOp deploys a Helm chart to the clusters its targets select, through a Bundle.',
      properties: { spec: helmOpSpec, status: helmOpStatus },
      columns: [
        column('Repo', '.spec.helm.repo'),
        column('Chart', '.spec.helm.chart'),
        column('Version', '.status.version'),
        column('BundleDeployments-Ready', '.status.display.readyBundleDeployments'),
        column('Status', READY_MESSAGE),
      ],
    }),
    crd({
      kind: 'Bundle',
      plural: 'bundles',
      description:
        'Bundle holds resources to deploy and the targets that select clusters; the controller makes one BundleDeployment per targeted cluster.',
      properties: { spec: obj('Bundle spec.', bundleSpecFields), status: bundleStatus },
      columns: [
        column('BundleDeployments-Ready', '.status.display.readyClusters'),
        column('Status', READY_MESSAGE),
      ],
    }),
    crd({
      kind: 'BundleDeployment',
      plural: 'bundledeployments',
      description:
        "BundleDeployment is a Bundle's deployment to one cluster; it lives in that cluster's namespace.",
      properties: { spec: bundleDeploymentSpec, status: bundleDeploymentStatus },
      columns: [
        column('Deployed', '.status.display.deployed'),
        column('Monitored', '.status.display.monitored'),
        column('Status', READY_MESSAGE),
      ],
    }),
    crd({
      kind: 'Cluster',
      plural: 'clusters',
      description:
        'Cluster is a downstream cluster registered with Fleet; its labels decide which targets select it.',
      properties: { spec: clusterSpec, status: clusterStatus },
      columns: [
        column('Bundles-Ready', '.status.display.readyBundles'),
        column('Last-Seen', '.status.agent.lastSeen'),
        column('Status', READY_MESSAGE),
      ],
    }),
    crd({
      kind: 'ClusterGroup',
      plural: 'clustergroups',
      categories: ['fleet'],
      description: 'ClusterGroup selects the clusters of its namespace by label.',
      properties: {
        spec: obj('ClusterGroup spec.', {
          selector: labelSelector('Selects the member clusters in the same namespace.'),
        }),
        status: clusterGroupStatus,
      },
      columns: [
        column('Clusters-Ready', '.status.display.readyClusters'),
        column('Bundles-Ready', '.status.display.readyBundles'),
        column('Status', READY_MESSAGE),
      ],
    }),
    crd({
      kind: 'BundleNamespaceMapping',
      plural: 'bundlenamespacemappings',
      description: 'BundleNamespaceMapping exports the Bundles it selects to the namespaces it selects.',
      properties: {
        bundleSelector: labelSelector('Selects the Bundles to export.'),
        namespaceSelector: labelSelector('Selects the namespaces to export them to.'),
      },
    }),
    crd({
      kind: 'GitRepoRestriction',
      plural: 'gitreporestrictions',
      description:
        'GitRepoRestriction limits the GitRepos of its namespace: service accounts, repository URLs, client secrets and target namespaces.',
      properties: {
        defaultServiceAccount: str('Service account used when a GitRepo names none.'),
        allowedServiceAccounts: stringList('Service accounts GitRepos may use.'),
        allowedRepoPatterns: stringList('Regular expressions repository URLs must match.'),
        defaultClientSecretName: str('Client secret used when a GitRepo names none.'),
        allowedClientSecretNames: stringList('Client secrets GitRepos may use.'),
        allowedTargetNamespaces: stringList('Target namespaces GitRepos may use.'),
        allowedTargetNamespaceSelector: labelSelector('Selects the target namespaces GitRepos may use.'),
      },
      columns: [
        column('Default-ServiceAccount', '.defaultServiceAccount'),
        column('Allowed-ServiceAccounts', '.allowedServiceAccounts'),
      ],
    }),
    crd({
      kind: 'Content',
      plural: 'contents',
      namespaced: false,
      description: 'Content holds the gzipped resources of a bundle, named by its manifest ID.',
      properties: {
        content: str('The resources, gzip-compressed, base64 in JSON.', { format: 'byte' }),
        sha256sum: str('Checksum of the content.'),
        status: obj('Content status.', {
          referenceCount: int('Non-deleted BundleDeployments that use this content.'),
        }),
      },
    }),
  ];
}
