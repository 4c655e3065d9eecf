/** fleet-graph's client SDK: the typed operations and the client that runs them. */
export * from './client.js';
export * from './gql/graphql.js';
