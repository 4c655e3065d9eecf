/** fleet/commands: the write side. graphql/ uses it through the context. */
export { FleetCommands } from './commands.js';
export type {
  CommandResult,
  GitRepoFields,
  GitRepoRef,
  OperationResult,
  PruneResult,
  RetargetInput,
  RetargetResult,
  UserError,
} from './commands.js';
export {
  RETARGET_OPERATION_ANNOTATION,
  findOperation,
  operationOf,
  planSteps,
  strategyProblems,
} from './operation.js';
export type {
  OperationFailure,
  OperationState,
  OperationStep,
  RetargetOperation,
  RetargetStrategy,
  StepState,
} from './operation.js';
export { planRetarget, retargetValidation, sameTargets } from './plan.js';
export type { BundleRetargetPlan, RetargetPlan } from './plan.js';
export { bundleCarriesGitRepoTargets, selectOrphans } from './prune.js';
export type { OrphanSelection } from './prune.js';
export { ALLOW_ALL } from './port.js';
export type {
  AuthorizationPolicy,
  CommandAction,
  CommandCaller,
  CommandDeps,
  CommandRequest,
  FleetWriter,
  Preconditions,
  StorePort,
  Written,
} from './port.js';
export { OperationRunner } from './runner.js';
