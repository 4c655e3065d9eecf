/** What every Fleet object shares (its Kubernetes metadata), as one interface. */
import type { FleetRecord } from '../../fleet/rules/read-model.js';
import { builder } from '../builder.js';
import { LabelRef, labelList } from './meta.js';

export const FleetObjectRef = builder.interfaceRef<FleetRecord>('FleetObject').implement({
  description: 'A Fleet custom resource (`fleet.cattle.io/v1alpha1`) with its Kubernetes metadata.',
  fields: (t) => ({
    namespace: t.exposeString('namespace', {
      description: 'Namespace of the object; for most kinds, the Fleet workspace.',
    }),
    name: t.exposeString('name', { description: 'Name of the object.' }),
    uid: t.exposeString('uid', { description: 'Kubernetes UID.' }),
    resourceVersion: t.exposeString('resourceVersion', {
      description: 'Kubernetes resourceVersion of the state shown (for optimistic concurrency).',
    }),
    generation: t.exposeInt('generation', { description: 'Kubernetes metadata.generation (spec changes).' }),
    labels: t.field({
      type: [LabelRef],
      description: 'Kubernetes labels, sorted by key.',
      resolve: (o) => labelList(o.labels),
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the object was created.',
      resolve: (o) => o.creationTimestamp,
    }),
    deletedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When deletion was requested; set while finalizers still hold the object.',
      resolve: (o) => o.deletionTimestamp ?? null,
    }),
  }),
});

/** `isTypeOf` for records: records carry their kind, and are frozen, so nothing else can tag them. */
export const isKind =
  (kind: FleetRecord['kind']) =>
  (value: unknown): boolean =>
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === kind;
