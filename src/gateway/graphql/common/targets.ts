/** Fleet's target lists (docs/fleet/targeting.md §4): GitRepo targets, Bundle targets, and why a cluster matched. */
import type { BundleTarget, GitTarget, TargetCriteria } from '../../../apis/fleet.js';
import type { TargetMatch } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import {
  LabelSelectorInput,
  LabelSelectorRef,
  selectorFromInput,
  type LabelSelectorInputShape,
} from './selector.js';

export const GitTargetRef = builder.objectRef<GitTarget>('GitTarget').implement({
  description:
    'One entry of `GitRepo.spec.targets`: the criteria are ANDed; an entry with none selects nothing.',
  fields: (t) => ({
    name: t.string({ nullable: true, description: 'Name of the target.', resolve: (g) => g.name ?? null }),
    clusterName: t.string({
      nullable: true,
      description: 'Selects the cluster with this name (or display name label).',
      resolve: (g) => g.clusterName ?? null,
    }),
    clusterSelector: t.field({
      type: LabelSelectorRef,
      nullable: true,
      description: 'Selects clusters by their labels.',
      resolve: (g) => g.clusterSelector ?? null,
    }),
    clusterGroup: t.string({
      nullable: true,
      description: 'Selects the members of the ClusterGroup with this name.',
      resolve: (g) => g.clusterGroup ?? null,
    }),
    clusterGroupSelector: t.field({
      type: LabelSelectorRef,
      nullable: true,
      description: 'Selects the members of ClusterGroups whose labels match.',
      resolve: (g) => g.clusterGroupSelector ?? null,
    }),
  }),
});

export const TargetCriteriaRef = builder.objectRef<TargetCriteria>('TargetRestriction').implement({
  description:
    "One entry of `Bundle.spec.targetRestrictions`: a cluster must match one of them, whatever the targets say (copied from the GitRepo's targets).",
  fields: (t) => ({
    name: t.string({
      nullable: true,
      description: 'Name of the restriction.',
      resolve: (g) => g.name ?? null,
    }),
    clusterName: t.string({
      nullable: true,
      description: 'Cluster name allowed.',
      resolve: (g) => g.clusterName ?? null,
    }),
    clusterSelector: t.field({
      type: LabelSelectorRef,
      nullable: true,
      description: 'Cluster labels allowed.',
      resolve: (g) => g.clusterSelector ?? null,
    }),
    clusterGroup: t.string({
      nullable: true,
      description: 'ClusterGroup allowed.',
      resolve: (g) => g.clusterGroup ?? null,
    }),
    clusterGroupSelector: t.field({
      type: LabelSelectorRef,
      nullable: true,
      description: 'ClusterGroup labels allowed.',
      resolve: (g) => g.clusterGroupSelector ?? null,
    }),
  }),
});

export const BundleTargetRef = builder.objectRef<BundleTarget>('BundleTarget').implement({
  description:
    'One entry of `Bundle.spec.targets` (or `HelmOp.spec.targets`): criteria plus the deployment options it customizes.',
  fields: (t) => ({
    name: t.string({
      nullable: true,
      description: 'Name of the target or customization.',
      resolve: (g) => g.name ?? null,
    }),
    clusterName: t.string({
      nullable: true,
      description: 'Selects the cluster with this name.',
      resolve: (g) => g.clusterName ?? null,
    }),
    clusterSelector: t.field({
      type: LabelSelectorRef,
      nullable: true,
      description: 'Selects clusters by their labels.',
      resolve: (g) => g.clusterSelector ?? null,
    }),
    clusterGroup: t.string({
      nullable: true,
      description: 'Selects members of this ClusterGroup.',
      resolve: (g) => g.clusterGroup ?? null,
    }),
    clusterGroupSelector: t.field({
      type: LabelSelectorRef,
      nullable: true,
      description: 'Selects members of ClusterGroups whose labels match.',
      resolve: (g) => g.clusterGroupSelector ?? null,
    }),
    doNotDeploy: t.boolean({
      description: 'True when clusters matching this entry must not get the Bundle.',
      resolve: (g) => g.doNotDeploy ?? false,
    }),
    options: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'The deployment options this entry sets (helm, kustomize, namespace…), as JSON; null when none.',
      resolve: (g) => {
        const {
          name: _n,
          clusterName: _c,
          clusterSelector: _s,
          clusterGroup: _g,
          clusterGroupSelector: _gs,
          doNotDeploy: _d,
          ...rest
        } = g;
        return Object.keys(rest).length > 0 ? rest : null;
      },
    }),
  }),
});

export const GitTargetInput = builder.inputType('GitTargetInput', {
  description:
    'One GitRepo target, as in `GitRepo.spec.targets`. The criteria are ANDed; an entry with none selects nothing.',
  fields: (t) => ({
    name: t.string({ required: false, description: 'Name of the target.' }),
    clusterName: t.string({ required: false, description: 'Select the cluster with this name.' }),
    clusterSelector: t.field({
      type: LabelSelectorInput,
      required: false,
      description: 'Select clusters by label.',
    }),
    clusterGroup: t.string({ required: false, description: 'Select the members of this ClusterGroup.' }),
    clusterGroupSelector: t.field({
      type: LabelSelectorInput,
      required: false,
      description: 'Select the members of ClusterGroups whose labels match.',
    }),
  }),
});

export interface GitTargetInputShape {
  readonly name?: string | null | undefined;
  readonly clusterName?: string | null | undefined;
  readonly clusterSelector?: LabelSelectorInputShape | null | undefined;
  readonly clusterGroup?: string | null | undefined;
  readonly clusterGroupSelector?: LabelSelectorInputShape | null | undefined;
}

/** Input targets as Fleet's GitTarget list; selectors validated with their field paths. */
export function gitTargetsFromInput(inputs: readonly GitTargetInputShape[], path = 'targets'): GitTarget[] {
  return inputs.map((t, i) => {
    const at = `${path}[${i}]`;
    const target: GitTarget = {};
    if (t.name != null) target.name = t.name;
    if (t.clusterName != null) target.clusterName = t.clusterName;
    if (t.clusterSelector != null)
      target.clusterSelector = selectorFromInput(t.clusterSelector, `${at}.clusterSelector`);
    if (t.clusterGroup != null) target.clusterGroup = t.clusterGroup;
    if (t.clusterGroupSelector != null)
      target.clusterGroupSelector = selectorFromInput(t.clusterGroupSelector, `${at}.clusterGroupSelector`);
    return target;
  });
}

export const TargetMatchRef = builder.objectRef<TargetMatch>('TargetMatch').implement({
  description: "Why a cluster is selected by a target list, or why it is not (Fleet's target matching).",
  fields: (t) => ({
    matched: t.exposeBoolean('matched', { description: 'True when the cluster is selected.' }),
    targetIndex: t.int({
      nullable: true,
      description: 'Position of the target that matched in the target list.',
      resolve: (m) => m.targetIndex ?? null,
    }),
    targetName: t.string({
      nullable: true,
      description: 'Name of the target that matched.',
      resolve: (m) => m.targetName ?? null,
    }),
    clusterGroup: t.string({
      nullable: true,
      description: 'The ClusterGroup through which the cluster matched, if it matched through a group.',
      resolve: (m) => m.clusterGroup ?? null,
    }),
    customizationIndex: t.int({
      nullable: true,
      description: 'Position of the customization whose options apply, if any.',
      resolve: (m) => m.customizationIndex ?? null,
    }),
    customizationName: t.string({
      nullable: true,
      description: 'Name of the customization whose options apply, if any.',
      resolve: (m) => m.customizationName ?? null,
    }),
    doNotDeploy: t.exposeBoolean('doNotDeploy', {
      description: 'True when a `doNotDeploy` entry removed the cluster.',
    }),
    reason: t.exposeString('reason', {
      description: 'One sentence: which target and group matched, or why none did.',
    }),
  }),
});
