/**
 * The error boundary: domain errors become GraphQL errors with a stable `extensions.code` (and
 * their details, such as field problems); GraphQL's own errors keep theirs; anything else is an
 * internal error, logged in full and masked for the caller.
 */
import { GraphQLError } from 'graphql';
import { InvalidSelectorError } from '../../../apis/selector.js';
import { ErrorCode, FleetGraphError } from '../../../shared/errors.js';

export function domainError(error: unknown): FleetGraphError | undefined {
  if (error instanceof FleetGraphError) return error;
  if (error instanceof InvalidSelectorError) {
    return new FleetGraphError(ErrorCode.INVALID_SELECTOR, `invalid label selector: ${error.message}`, {
      problems: error.problems,
    });
  }
  return undefined;
}

/**
 * Maps one error of a result. `onInternal` sees the unexpected ones (to log them); the caller gets
 * "Unexpected error." with code INTERNAL.
 */
export function mapError(error: unknown, onInternal: (error: unknown) => void): GraphQLError {
  const gql = error instanceof GraphQLError ? error : undefined;
  const original = gql ? gql.originalError : error;
  const domain = domainError(original ?? error);
  if (domain) {
    return new GraphQLError(domain.message, {
      nodes: gql?.nodes,
      source: gql?.source,
      positions: gql?.positions,
      path: gql?.path,
      originalError: domain,
      extensions: { ...domain.details, code: domain.code },
    });
  }
  // A GraphQLError raised on purpose (parse, validation, variable coercion, limits) is the caller's to see.
  if (gql && (!original || original instanceof GraphQLError)) return gql;
  onInternal(original ?? error);
  return new GraphQLError('Unexpected error.', {
    nodes: gql?.nodes,
    source: gql?.source,
    positions: gql?.positions,
    path: gql?.path,
    extensions: { code: ErrorCode.INTERNAL },
  });
}
