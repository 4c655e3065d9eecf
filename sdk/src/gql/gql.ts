/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "subscription BundleDeploymentEvents($filter: BundleDeploymentEventFilter, $after: String) {\n  bundleDeploymentEvents(filter: $filter, after: $after) {\n    type\n    cursor\n    observedAt\n    state\n    previousState\n    bundleDeployment {\n      name\n      namespace\n    }\n    removal {\n      reason\n      orphanedSince\n      cleanupLatencyMs\n    }\n  }\n}": typeof types.BundleDeploymentEventsDocument,
    "query GitRepoTargets($namespace: String!, $name: String!) {\n  gitRepo(namespace: $namespace, name: $name) {\n    name\n    namespace\n    resourceVersion\n    targets {\n      name\n      clusterName\n      clusterGroup\n    }\n  }\n}\n\nquery StaleDeployments($workspace: String!, $gitRepo: String!) {\n  inconsistencies(\n    workspace: $workspace\n    gitRepo: $gitRepo\n    kinds: [STALE_DEPLOYMENT]\n  ) {\n    totalCount\n  }\n}": typeof types.GitRepoTargetsDocument,
    "mutation RetargetGitRepo($input: RetargetGitRepoInput!) {\n  retargetGitRepo(input: $input) {\n    dryRun\n    userErrors {\n      code\n      field\n      message\n    }\n    plan {\n      noChange\n      warnings\n      addedClusters {\n        name\n      }\n      removedClusters {\n        name\n      }\n      unchangedClusters {\n        name\n      }\n    }\n    operation {\n      id\n      state\n    }\n    gitRepo {\n      resourceVersion\n      targets {\n        name\n      }\n    }\n  }\n}\n\nsubscription RetargetProgress($operationId: ID!) {\n  retargetProgress(operationId: $operationId) {\n    finished\n    converged\n    pendingAdditions\n    pendingRemovals\n    operation {\n      state\n      message\n    }\n  }\n}": typeof types.RetargetGitRepoDocument,
};
const documents: Documents = {
    "subscription BundleDeploymentEvents($filter: BundleDeploymentEventFilter, $after: String) {\n  bundleDeploymentEvents(filter: $filter, after: $after) {\n    type\n    cursor\n    observedAt\n    state\n    previousState\n    bundleDeployment {\n      name\n      namespace\n    }\n    removal {\n      reason\n      orphanedSince\n      cleanupLatencyMs\n    }\n  }\n}": types.BundleDeploymentEventsDocument,
    "query GitRepoTargets($namespace: String!, $name: String!) {\n  gitRepo(namespace: $namespace, name: $name) {\n    name\n    namespace\n    resourceVersion\n    targets {\n      name\n      clusterName\n      clusterGroup\n    }\n  }\n}\n\nquery StaleDeployments($workspace: String!, $gitRepo: String!) {\n  inconsistencies(\n    workspace: $workspace\n    gitRepo: $gitRepo\n    kinds: [STALE_DEPLOYMENT]\n  ) {\n    totalCount\n  }\n}": types.GitRepoTargetsDocument,
    "mutation RetargetGitRepo($input: RetargetGitRepoInput!) {\n  retargetGitRepo(input: $input) {\n    dryRun\n    userErrors {\n      code\n      field\n      message\n    }\n    plan {\n      noChange\n      warnings\n      addedClusters {\n        name\n      }\n      removedClusters {\n        name\n      }\n      unchangedClusters {\n        name\n      }\n    }\n    operation {\n      id\n      state\n    }\n    gitRepo {\n      resourceVersion\n      targets {\n        name\n      }\n    }\n  }\n}\n\nsubscription RetargetProgress($operationId: ID!) {\n  retargetProgress(operationId: $operationId) {\n    finished\n    converged\n    pendingAdditions\n    pendingRemovals\n    operation {\n      state\n      message\n    }\n  }\n}": types.RetargetGitRepoDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription BundleDeploymentEvents($filter: BundleDeploymentEventFilter, $after: String) {\n  bundleDeploymentEvents(filter: $filter, after: $after) {\n    type\n    cursor\n    observedAt\n    state\n    previousState\n    bundleDeployment {\n      name\n      namespace\n    }\n    removal {\n      reason\n      orphanedSince\n      cleanupLatencyMs\n    }\n  }\n}"): typeof import('./graphql.js').BundleDeploymentEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query GitRepoTargets($namespace: String!, $name: String!) {\n  gitRepo(namespace: $namespace, name: $name) {\n    name\n    namespace\n    resourceVersion\n    targets {\n      name\n      clusterName\n      clusterGroup\n    }\n  }\n}\n\nquery StaleDeployments($workspace: String!, $gitRepo: String!) {\n  inconsistencies(\n    workspace: $workspace\n    gitRepo: $gitRepo\n    kinds: [STALE_DEPLOYMENT]\n  ) {\n    totalCount\n  }\n}"): typeof import('./graphql.js').GitRepoTargetsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RetargetGitRepo($input: RetargetGitRepoInput!) {\n  retargetGitRepo(input: $input) {\n    dryRun\n    userErrors {\n      code\n      field\n      message\n    }\n    plan {\n      noChange\n      warnings\n      addedClusters {\n        name\n      }\n      removedClusters {\n        name\n      }\n      unchangedClusters {\n        name\n      }\n    }\n    operation {\n      id\n      state\n    }\n    gitRepo {\n      resourceVersion\n      targets {\n        name\n      }\n    }\n  }\n}\n\nsubscription RetargetProgress($operationId: ID!) {\n  retargetProgress(operationId: $operationId) {\n    finished\n    converged\n    pendingAdditions\n    pendingRemovals\n    operation {\n      state\n      message\n    }\n  }\n}"): typeof import('./graphql.js').RetargetGitRepoDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
