/**
 * A Kubernetes API server emulator over real HTTP: generic Kubernetes (discovery, OpenAPI, CRUD,
 * watch, patch, CRDs), no Fleet knowledge. See server.ts for the public surface.
 */
export { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';
export type { Faults, FailRequestsOptions, FaultMatch, GoneOptions } from './faults.js';
export type { CustomResourceDefinition, JSONSchemaProps } from './types.js';
export type { TokenEntry, UserInfo } from './auth/index.js';
