/** GraphQL over HTTP conformance: graphql-http's server audits against the app, in process. */
import { serverAudits } from 'graphql-http';
import { describe, it } from 'vitest';
import { demoSnapshot } from './fixtures.js';
import { appOver } from './support.js';

describe('GraphQL over HTTP audits', () => {
  const { app } = appOver(demoSnapshot());
  for (const audit of serverAudits({
    url: 'http://fleet-graph/graphql',
    fetchFn: (input: string, init?: RequestInit) => app.fetch(new Request(input, init)),
  })) {
    it(`${audit.id} ${audit.name}`, async () => {
      const result = await audit.fn();
      // `warn` and `notice` are recommendations (SHOULD/MAY); only MUST failures are errors.
      if (result.status === 'error') throw new Error(result.reason);
    });
  }
});
