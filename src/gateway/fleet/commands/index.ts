/** fleet/commands: the write side. graphql/ uses it through the context. */
export { FleetCommands } from './commands.js';
export { ACCEPTED_NOT_YET_VISIBLE } from './results.js';
export type {
  AcceptedWrite,
  CommandResult,
  GitRepoFields,
  GitRepoRef,
  OperationResult,
  PruneResult,
  RetargetInput,
  RetargetResult,
  UserError,
} from './results.js';
export {
  RETARGET_OPERATION_ANNOTATION,
  TAMPERED_MESSAGE,
  UNVERIFIABLE_MESSAGE,
  findOperation,
  operationOf,
  planSteps,
  signOperation,
  strategyProblems,
} from './operation.js';
export { MIN_SIGNING_KEY_BYTES, OperationSigner } from './signing.js';
export type {
  OperationFailure,
  OperationState,
  OperationStep,
  RetargetOperation,
  RetargetStrategy,
  StepState,
} from './operation.js';
export { planRetarget, retargetValidation } from './plan.js';
export type { BundleRetargetPlan, RetargetPlan } from './plan.js';
export { bundleCarriesGitRepoTargets } from '../rules/carried-targets.js';
export { selectOrphans } from './prune.js';
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
  RequestSource,
  StorePort,
  Written,
} from './port.js';
export { OperationRunner } from './runner.js';
