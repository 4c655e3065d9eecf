/** What the server and the gateway composition use from the GraphQL layer. */
export { buildSchema, VERSION } from './schema.js';
export {
  ALLOW_EVERYTHING,
  ANONYMOUS,
  createContext,
  type AccessQuestion,
  type Caller,
  type CallerAccess,
  type ContextOptions,
  type GraphQLContext,
  type RequestSource,
} from './context.js';
export { mapError } from './common/errors.js';
