/**
 * The Pothos builder. It defines no types itself (types live in one module per noun), so any module
 * can import it without import cycles.
 */
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import { decodeId, encodeId } from './common/ids.js';
import type { GraphQLContext } from './context.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string | number };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
  /** Every connection reports how many items match before paging. */
  Connection: { totalCount: number };
}>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    cursorType: 'String',
    encodeGlobalID: encodeId,
    decodeGlobalID: decodeId,
    nodesOnConnection: false,
    // Records are frozen, so they cannot be branded; each node type has an isTypeOf instead.
    brandLoadedObjects: false,
    edgesFieldOptions: { nullable: false, description: 'The items of this page, each with its cursor.' },
    nodeFieldOptions: { nullable: false, description: 'The item.' },
    pageInfoFieldOptions: { description: 'Where this page sits in the whole list.' },
    cursorFieldOptions: { description: 'Opaque cursor of this item, for `after` and `before`.' },
    hasNextPageFieldOptions: { description: 'True when more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'True when items precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of this page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of this page.' },
    firstArgOptions: { description: 'Return at most this many items from the start (at most 1000).' },
    lastArgOptions: { description: 'Return at most this many items from the end (at most 1000).' },
    afterArgOptions: { description: 'Return the items after this cursor.' },
    beforeArgOptions: { description: 'Return the items before this cursor.' },
    nodeQueryOptions: {
      description: 'Fetches any Fleet object by its global ID; null when it does not exist (any more).',
      args: { id: { description: 'A global ID, as returned in the `id` field of a Node.' } },
    },
    nodesQueryOptions: {
      description: 'Fetches several Fleet objects by global ID, in order; null for each that does not exist.',
      args: { ids: { description: 'Global IDs, as returned in the `id` field of Nodes.' } },
    },
    nodeTypeOptions: { description: 'A Fleet object with a global ID that `Query.node` can fetch again.' },
    idFieldOptions: { description: 'Opaque global ID (Relay), stable for the life of the object.' },
    pageInfoTypeOptions: { description: 'Where a page of a connection sits in the whole list.' },
  },
});

/** The `t` a module's `fields: (t) => …` receives, for helpers that build the same field on several types. */
export type ObjectFieldBuilder<Parent> = PothosSchemaTypes.ObjectFieldBuilder<
  typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never,
  Parent
>;
