/** Small shapes every noun shares: labels, conditions, references to objects that may be gone. */
import type { FieldProblem } from '../../../shared/errors.js';
import type { ConditionRecord } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';

export interface LabelShape {
  readonly key: string;
  readonly value: string;
}

export const LabelRef = builder.objectRef<LabelShape>('Label').implement({
  description: 'One Kubernetes label (or annotation): a key and its value.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The key, e.g. `fleet.cattle.io/repo-name`.' }),
    value: t.exposeString('value', { description: 'The value; may be empty.' }),
  }),
});

/** Labels as a sorted list, so answers are stable. */
export function labelList(labels: Readonly<Record<string, string>>): LabelShape[] {
  return Object.keys(labels)
    .sort()
    .map((key) => ({ key, value: labels[key]! }));
}

export const ConditionRef = builder.objectRef<ConditionRecord>('Condition').implement({
  description: "A status condition as Fleet writes it (wrangler's generic condition; every field a string).",
  fields: (t) => ({
    type: t.exposeString('type', {
      description: 'The condition type, e.g. `Ready`, `Deployed`, `Accepted`.',
    }),
    status: t.exposeString('status', { description: '`True`, `False` or `Unknown`.' }),
    reason: t.string({
      nullable: true,
      description: 'Machine-readable reason; `Error` when an error is recorded.',
      resolve: (c) => c.reason ?? null,
    }),
    message: t.string({
      nullable: true,
      description: 'Human-readable message.',
      resolve: (c) => c.message ?? null,
    }),
    lastUpdateTime: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the condition was last written.',
      resolve: (c) => c.lastUpdateTime || null,
    }),
  }),
});

export interface ObjectReferenceShape {
  readonly namespace: string;
  readonly name: string;
}

export const ObjectReferenceRef = builder.objectRef<ObjectReferenceShape>('ObjectReference').implement({
  description: 'The namespace and name of a Kubernetes object, which may no longer exist.',
  fields: (t) => ({
    namespace: t.exposeString('namespace', { description: 'Namespace of the object.' }),
    name: t.exposeString('name', { description: 'Name of the object.' }),
  }),
});

export const FieldProblemRef = builder.objectRef<FieldProblem>('FieldProblem').implement({
  description: 'One problem with an input or a stored object, with the path of the offending field.',
  fields: (t) => ({
    field: t.exposeString('field', {
      description: 'Path of the field, e.g. `targets[1].clusterSelector.matchExpressions[0].operator`.',
    }),
    message: t.exposeString('message', { description: 'What is wrong with it.' }),
  }),
});
