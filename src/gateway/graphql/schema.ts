/**
 * Builds the executable schema: imports every noun module (each registers its types and root
 * fields on the builder) and prints nothing itself. Nothing imports this module but the server
 * and the print script, which keeps Pothos' refs free of import cycles.
 */
import type { GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './common/scalars.js';
import './common/connection.js';
import './gitrepo/gitrepo.js';
import './helmop/helmop.js';
import './bundle/bundle.js';
import './bundledeployment/bundledeployment.js';
import './cluster/cluster.js';
import './clustergroup/clustergroup.js';
import './workspace/workspace.js';
import './inconsistency/inconsistency.js';
import './mutations/mutations.js';
import './subscriptions/subscriptions.js';
import './alerts/alerts.js';
import './details/details.js';

export const VERSION = '0.1.0';

builder.queryType({
  description: 'The root of every read. Each operation sees one consistent snapshot of Fleet.',
  fields: (t) => ({
    version: t.string({
      description: 'The version of fleet-graph serving this request.',
      resolve: (_r, _a, ctx) => ctx.version,
    }),
  }),
});

let schema: GraphQLSchema | undefined;

/** The schema, built once (Pothos types register globally, so a second build would repeat them). */
export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ sortSchema: true });
  return schema;
}
