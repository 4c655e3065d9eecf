/**
 * fleet/: Fleet's rules over store snapshots (targeting, state, summaries, consistency,
 * dependencies, previews) and the ReadModel the GraphQL layer serves. graphql/ imports from here.
 */
export type * from './read-model.js';
export { createReadModel, parseSelectorFilter } from './model.js';
export type { FleetReadModel, ReadModelOptions } from './model.js';
export { ConsistencyTracker, followChanges } from './tracker.js';
export type {
  ChangeSource,
  ChangedRecord,
  ConsistencyTrackerOptions,
  FollowOptions,
  InconsistencyEvent,
  InconsistencyListener,
} from './tracker.js';
export { allFindings, bundleFindings, removalReason, statusFindings } from './consistency.js';
export type { Finding } from './consistency.js';
export { FleetView } from './view.js';
export {
  filterStream,
  namespacesByKind,
  scopedAlerts,
  scopedEvents,
  visibleAlert,
  visibleFinding,
  visibleSnapshot,
} from './visible.js';
export type { LiveAlerts, LiveEvents, MayList, Visibility } from './visible.js';
export {
  BUNDLE_STATES,
  STATE_RANK,
  deploymentMessage,
  deploymentState,
  displayState,
  isBundleState,
  readyMessage,
  worseState,
} from './state.js';
export {
  GIT_UPDATING,
  WAIT_CHECK_IN,
  bundleStatusFromTargets,
  clusterStatusFromDeployments,
  groupStatusFromMembers,
  statusFromDeployments,
} from './summaries.js';
export type { RecomputedBundleStatus, RecomputedClusterStatus, RecomputedGroupStatus } from './summaries.js';
export {
  BundleMatcher,
  bundleMatcher,
  compileCriteria,
  criteriaMatch,
  isTargetingError,
} from './targeting.js';
export type { TargetingError, TargetingSpec } from './targeting.js';
export { candidateNamespaces, clustersOfGroup, groupHasMember, groupsOfCluster } from './groups.js';
export {
  acceptedStates,
  blockersOf,
  cyclesThrough,
  dependencySelector,
  resolveDependsOn,
} from './dependencies.js';
export { DEFAULT_GIT_TARGET, assertValidGitTargets, previewTargets, validateGitTargets } from './preview.js';
export type { GitTargetValidation } from './preview.js';
export {
  bundleSpecWithGitTargets,
  customizationsOf,
  effectiveGitTargets,
  overridesGitRepoTargets,
  previewGitRepoRetarget,
} from './retarget.js';
export type { BundleRetargetPreview } from './retarget.js';
