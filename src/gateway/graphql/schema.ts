/**
 * Builds the executable schema. Placeholder until the read path lands: the nouns register
 * themselves on the builder in their own modules.
 */
import SchemaBuilder from '@pothos/core';
import type { GraphQLSchema } from 'graphql';

export function buildSchema(): GraphQLSchema {
  const builder = new SchemaBuilder({});
  builder.queryType({
    description: 'The root of every read.',
    fields: (t) => ({
      version: t.string({
        description: 'The version of fleet-graph serving this request.',
        resolve: () => '0.1.0',
      }),
    }),
  });
  return builder.toSchema();
}
