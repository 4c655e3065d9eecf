/** The GraphQL documents the benchmark sends, shared by the orchestrator and the clients process. */

/** P1, P6 and P8: one page of a GitRepo's status with its BundleDeployments, Bundles and Clusters. */
export const STATUS_QUERY = `query GitRepoStatusPage($name: String!, $namespace: String!, $first: Int!) {
  gitRepo(name: $name, namespace: $namespace) {
    name
    status { readyClusters desiredReadyClusters display { state message } }
    bundleDeployments(first: $first) {
      totalCount
      edges { node { name namespace state bundle { name } cluster { name labels { key value } } } }
    }
  }
}`;

/** P5: a small read served from the cache. */
export const SMALL_QUERY = `query SmallCached($name: String!, $namespace: String!) {
  gitRepo(name: $name, namespace: $namespace) { name status { readyClusters desiredReadyClusters } }
}`;

/** P2, P4, P8: every status change of the GitRepo's BundleDeployments. */
export const EVENTS_SUBSCRIPTION = `subscription BenchEvents($gitRepo: String!) {
  bundleDeploymentEvents(filter: { gitRepo: $gitRepo, types: [UPDATED] }) {
    type
    bundleDeployment { name namespace resourceVersion state }
  }
}`;

/** P7: stale (orphaned) deployments as they appear. */
export const STALE_SUBSCRIPTION = `subscription BenchStale($gitRepo: String!) {
  inconsistencyEvents(filter: { gitRepo: $gitRepo, kinds: [STALE_DEPLOYMENT] }) {
    type
    inconsistency { kind bundleRef { name } clusterRef { name } }
  }
}`;
