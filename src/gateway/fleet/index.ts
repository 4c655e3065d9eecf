/**
 * fleet/: Fleet's rules over store snapshots (targeting, state, summaries, consistency,
 * dependencies, previews) and the ReadModel the GraphQL layer serves. graphql/ imports from here.
 */
export type * from './rules/read-model.js';
export { createReadModel, parseSelectorFilter } from './model.js';
export type { FleetReadModel, ReadModelOptions } from './model.js';
export { ConsistencyTracker, followChanges } from './live/tracker.js';
export type {
  ChangeSource,
  ChangedRecord,
  ConsistencyTrackerOptions,
  FollowOptions,
  InconsistencyEvent,
  InconsistencyListener,
} from './live/tracker.js';
export { allFindings, bundleFindings, removalReason, statusFindings } from './rules/consistency.js';
export type { Finding } from './rules/consistency.js';
export { FleetView } from './rules/view.js';
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
  emptyResourceCounts,
  isBundleState,
  readyMessage,
  worseState,
} from './rules/state.js';
export {
  GIT_UPDATING,
  WAIT_CHECK_IN,
  bundleStatusFromTargets,
  clusterStatusFromDeployments,
  groupStatusFromMembers,
  statusFromDeployments,
} from './rules/summaries.js';
export type {
  RecomputedBundleStatus,
  RecomputedClusterStatus,
  RecomputedGroupStatus,
} from './rules/summaries.js';
export {
  BundleMatcher,
  bundleMatcher,
  compileCriteria,
  criteriaMatch,
  isTargetingError,
} from './rules/targeting.js';
export type { TargetingError, TargetingSpec } from './rules/targeting.js';
export { candidateNamespaces, clustersOfGroup, groupHasMember, groupsOfCluster } from './rules/groups.js';
export {
  acceptedStates,
  blockersOf,
  cyclesThrough,
  dependencySelector,
  resolveDependsOn,
} from './rules/dependencies.js';
export {
  DEFAULT_GIT_TARGET,
  assertValidGitTargets,
  previewTargets,
  validateGitTargets,
} from './rules/preview.js';
export type { GitTargetValidation } from './rules/preview.js';
export {
  bundleCarriesGitRepoTargets,
  bundleSpecWithGitTargets,
  customizationsOf,
  effectiveGitTargets,
  overridesGitRepoTargets,
} from './rules/carried-targets.js';
export { previewGitRepoRetarget } from './rules/retarget.js';
export { sameCriteria } from './rules/target-lists.js';
export { removalOf, stillTargeted } from './rules/still-targeted.js';
export type { DoomingEdits, Removal, TargetingVerdict } from './rules/still-targeted.js';
export type { BundleRetargetPreview } from './rules/retarget.js';
