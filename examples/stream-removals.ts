/**
 * Stream BundleDeployment removals to stdout, one JSON line each (why it went, how long it lived
 * as an orphan).
 *
 *   npx tsx examples/stream-removals.ts --url http://127.0.0.1:4000/graphql [--transport sse] [--limit 5]
 *
 * FLEET_GRAPH_TOKEN, when set, is sent as the bearer token.
 */
import { parseArgs } from 'node:util';
import { BundleDeploymentEventsDocument, createFleetGraphClient } from '../sdk/src/index.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:4000/graphql' },
    workspace: { type: 'string' },
    transport: { type: 'string', default: 'ws' },
    limit: { type: 'string' },
  },
});
const transport = values.transport === 'sse' ? 'sse' : 'ws';
const limit = values.limit ? Number(values.limit) : Infinity;

const client = createFleetGraphClient({ url: values.url, token: process.env.FLEET_GRAPH_TOKEN });
const events = client.subscribe(
  BundleDeploymentEventsDocument,
  { filter: { types: ['REMOVED'], ...(values.workspace ? { workspace: values.workspace } : {}) } },
  { transport },
);
process.once('SIGINT', () => void events.return?.());
// Stdout stays machine-readable; say on stderr when the stream is open.
console.error(`streaming removals over ${transport}`);
let seen = 0;
for await (const { bundleDeploymentEvents: e } of events) {
  console.log(
    JSON.stringify({
      at: e.observedAt,
      bundleDeployment: `${e.bundleDeployment?.namespace}/${e.bundleDeployment?.name}`,
      reason: e.removal?.reason,
      orphanedMs: e.removal?.cleanupLatencyMs,
      cursor: e.cursor,
    }),
  );
  if (++seen >= limit) break;
}
await client.close();
