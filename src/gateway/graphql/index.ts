/** What the server and the gateway composition use from the GraphQL layer. */
export { buildSchema, VERSION } from './schema.js';
export {
  ANONYMOUS,
  createContext,
  type Caller,
  type ContextOptions,
  type GraphQLContext,
} from './context.js';
export { mapError } from './common/errors.js';
