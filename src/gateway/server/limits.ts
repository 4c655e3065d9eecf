/**
 * Limits against abusive operations: depth, cost, aliases and tokens (graphql-armor, enforced in
 * parse and validate, so HTTP, SSE and WebSocket alike), cost, page sizes and list lengths on the
 * coerced variables (cost.ts, before execution), and the size of a request body. Each rejection
 * carries a stable `extensions.code`, so clients can tell a limit from a typo.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { costOptions, useValueLimits } from './cost.js';

export interface Limits {
  /** Deepest field nesting allowed. */
  readonly maxDepth: number;
  /** graphql-armor's cost estimate allowed per operation. */
  readonly maxCost: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** Longest list accepted in any argument, e.g. a retarget's targets (see cost.ts). */
  readonly maxListLength: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxDepth: 15,
  // armor multiplies a list field by its literal `first`/`last`: 100 clusters × 100 deployments each
  // costs about 500k; this allows that and rejects queries that could expand to millions of nodes.
  maxCost: 1_000_000,
  maxAliases: 30,
  maxTokens: 5_000,
  maxBodyBytes: 1_000_000,
  maxListLength: 100,
};

/** armor's messages, each with the code we give it. */
const LIMIT_CODES: readonly [RegExp, string][] = [
  [/Query depth limit of \d+ exceeded/, 'MAX_DEPTH_EXCEEDED'],
  [/Query Cost limit of \d+ exceeded/, 'MAX_COST_EXCEEDED'],
  [/Aliases limit of \d+ exceeded/, 'MAX_ALIASES_EXCEEDED'],
  [/Token limit of \d+ exceeded/, 'MAX_TOKENS_EXCEEDED'],
  [/Directives limit of \d+ exceeded/, 'MAX_DIRECTIVES_EXCEEDED'],
];

function withCode<E extends Error>(error: E): E | GraphQLError {
  if (!(error instanceof GraphQLError) || error.extensions['code']) return error;
  const code = LIMIT_CODES.find(([re]) => re.test(error.message))?.[1];
  if (!code) return error;
  return new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...error.extensions, code },
  });
}

/** Adds codes to armor's rejections, on every transport (they all parse and validate through envelop). */
function useLimitCodes(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError) replaceParseResult(withCode(result));
      };
    },
    // armor's rules throw their rejection out of validate; turn it into this operation's error list.
    onValidate({ validateFn, setValidationFn }) {
      const validate = validateFn as (...args: Parameters<typeof validateFn>) => readonly GraphQLError[];
      setValidationFn((...args) => {
        try {
          return validate(...args).map((e) => withCode(e));
        } catch (e) {
          if (e instanceof GraphQLError) return [withCode(e)];
          throw e;
        }
      });
    },
  };
}

function tooLarge(limit: number): Response {
  return Response.json(
    {
      errors: [
        {
          message: `Request body is larger than the limit of ${limit} bytes.`,
          extensions: { code: 'PAYLOAD_TOO_LARGE', limit },
        },
      ],
    },
    { status: 413 },
  );
}

/** Rejects bodies whose declared length is over the limit before they are read. */
function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest: (payload) => {
      const length = Number(payload.request.headers.get('content-length') ?? '0');
      if (length > maxBytes) payload.endResponse(tooLarge(maxBytes));
    },
  };
}

export function limitPlugins(limits: Limits): Plugin[] {
  return [
    useBodyLimit(limits.maxBodyBytes),
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth },
      costLimit: costOptions(limits.maxCost),
      // armor lets `__typename` aliases through by default; each still costs a resolver call.
      maxAliases: { n: limits.maxAliases, allowList: [] },
      maxTokens: { n: limits.maxTokens },
      maxDirectives: { n: 50 },
      blockFieldSuggestion: { enabled: true },
    }),
    useLimitCodes(),
    useValueLimits({ maxCost: limits.maxCost, maxListLength: limits.maxListLength }),
  ];
}
