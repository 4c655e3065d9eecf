/** The filter arguments list fields share, and their translation to the read model's filters. */
import type { BundleState } from '../../../apis/fleet.js';
import type { BundleDeploymentRecord, ListFilter, ReadModel } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { LabelSelectorInput, selectorString, type LabelSelectorInputShape } from './selector.js';
import { BundleStateEnum } from './state.js';

export const listArgs = builder.args((t) => ({
  workspace: t.string({ required: false, description: 'Only objects in this workspace (namespace).' }),
  name: t.string({ required: false, description: 'Only the object with exactly this name.' }),
  labelSelector: t.field({
    type: LabelSelectorInput,
    required: false,
    description: 'Only objects whose labels match this selector.',
  }),
}));

export interface ListArgsShape {
  readonly workspace?: string | null | undefined;
  readonly name?: string | null | undefined;
  readonly labelSelector?: LabelSelectorInputShape | null | undefined;
}

export function listFilter(args: ListArgsShape): ListFilter {
  return {
    workspace: args.workspace ?? undefined,
    name: args.name ?? undefined,
    labelSelector: selectorString(args.labelSelector, 'labelSelector'),
  };
}

export const statesArg = builder.args((t) => ({
  states: t.field({
    type: [BundleStateEnum],
    required: false,
    description: 'Only items in one of these states.',
  }),
}));

/** Keeps deployments whose derived state is one of `states` (all when absent). */
export function withStates(
  rm: ReadModel,
  bds: readonly BundleDeploymentRecord[],
  states: readonly BundleState[] | null | undefined,
): readonly BundleDeploymentRecord[] {
  if (!states) return bds;
  const wanted = new Set(states);
  return bds.filter((bd) => wanted.has(rm.deploymentState(bd)));
}
