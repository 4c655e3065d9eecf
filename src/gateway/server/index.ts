/** The gateway's HTTP/WebSocket server. */
export {
  bearerToken,
  createApp,
  DEFAULT_QUERY,
  GRAPHQL_PATH,
  HEALTH_PATH,
  READY_PATH,
  UNAUTHENTICATED,
  UNAUTHENTICATED_CLOSE_CODE,
} from './app.js';
export type { App, AppOptions, Authenticate, Authenticated, HeaderReader, Readiness } from './app.js';
export { DEFAULT_LIMITS, type Limits } from './limits.js';
export { startServer, type RunningServer, type ServerOptions } from './server.js';
export type { StreamBuffers } from './subscriptions.js';
export { METRICS_PATH, REQUEST_ID_HEADER, type MetricsText } from './observability.js';
export { DEFAULT_METRICS_PORT, startMetricsServer, type MetricsServer } from './metrics-server.js';
export { createGate, isLoopbackBind, LOOPBACK_NAMES, type GateOptions } from './gate.js';
export { MAX_PAGE_SIZE } from './cost.js';
export { GRAPHIQL_CSP, GRAPHIQL_FIRST_LOAD_BUDGET_BYTES, IMMUTABLE } from './graphiql.js';
