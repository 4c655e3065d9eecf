/**
 * Limits that depend on argument values, checked on the coerced variables just before execution.
 *
 * graphql-armor's cost rule is a validation rule: it sees `first: 300` but counts `first: $n` as 1,
 * and yoga caches validation per document, so a rule that read variables would be reused across
 * requests with other values. Here, in envelop's onExecute and onSubscribe (HTTP, SSE and
 * graphql-ws alike), each variable of the operation is replaced by its coerced value written as a
 * literal, and the same checks run on that document: an operation with variables gets exactly the
 * verdict it would get with the same values written inline. Nothing has executed when an operation
 * is refused, and the checks only walk the operation's AST.
 *
 * On the inlined document:
 * - `first`/`last` above the largest page size are refused with INVALID_ARGUMENT naming the
 *   argument (the resolvers would refuse them too, but only after other fields ran);
 * - every list written in an argument (at any depth of an input object) is at most
 *   `maxListLength` long, else INVALID_ARGUMENT naming the argument path;
 * - armor's cost estimate, with the same options as at validation, is at most `maxCost`, else
 *   MAX_COST_EXCEEDED.
 */
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import {
  astFromValue,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isInputType,
  Kind,
  typeFromAST,
  validate,
  visit,
  type ArgumentNode,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MAX_PAGE_SIZE } from '../graphql/common/connection.js';

export { MAX_PAGE_SIZE };

export interface ValueLimits {
  readonly maxCost: number;
  /** Longest list accepted in any argument (target lists, filters…). */
  readonly maxListLength: number;
}

/** The cost options used at validation and here, so both give the same number. */
export function costOptions(maxCost: number) {
  return { maxCost, propagateOnRejection: true } as const;
}

function refused(message: string, code: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 }, ...extra } });
}

/**
 * The operation's document with every variable replaced by its coerced value as a literal, or
 * undefined when the variables do not coerce (execution then reports that, as it would anyway).
 */
export function inlineVariables(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  inputs: Readonly<Record<string, unknown>> | null | undefined,
): DocumentNode | undefined {
  const op = getOperationAST(document, operationName);
  if (!op) return undefined;
  const defs = op.variableDefinitions ?? [];
  if (defs.length === 0) return document;
  const coerced = getVariableValues(schema, defs, inputs ?? {}, { maxErrors: 1 });
  if (coerced.errors) return undefined;
  const literals = new Map<string, ValueNode | undefined>();
  for (const def of defs) {
    const name = def.variable.name.value;
    const type = typeFromAST(schema, def.type);
    if (!type || !isInputType(type)) return undefined;
    if (!Object.hasOwn(coerced.coerced, name)) continue;
    let literal: ValueNode | null | undefined;
    try {
      literal = astFromValue(coerced.coerced[name], type);
    } catch {
      // A custom scalar with no literal form (JSON): its value is opaque to these checks.
      literal = { kind: Kind.NULL };
    }
    literals.set(name, literal ?? undefined);
  }
  return visit(document, {
    // An argument given an absent variable is as if not written.
    Argument: (node: ArgumentNode) =>
      node.value.kind === Kind.VARIABLE && literals.get(node.value.name.value) === undefined
        ? null
        : undefined,
    Variable: (node) => {
      // Variable definitions keep their names; only uses are replaced.
      const value = literals.get(node.name.value);
      return value ?? { kind: Kind.NULL };
    },
    VariableDefinition: () => false,
  });
}

function checkValue(value: ValueNode, path: string, maxList: number): GraphQLError | undefined {
  if (value.kind === Kind.LIST) {
    if (value.values.length > maxList) {
      return refused(
        `${path} has ${value.values.length} entries; at most ${maxList} are allowed`,
        'INVALID_ARGUMENT',
        {
          argument: path,
          limit: maxList,
        },
      );
    }
    for (const [i, v] of value.values.entries()) {
      const e = checkValue(v, `${path}[${i}]`, maxList);
      if (e) return e;
    }
  } else if (value.kind === Kind.OBJECT) {
    for (const f of value.fields) {
      const e = checkValue(f.value, `${path}.${f.name.value}`, maxList);
      if (e) return e;
    }
  }
  return undefined;
}

/** The first argument-value problem in the (inlined) document, if any. */
export function argumentProblem(document: DocumentNode, maxList: number): GraphQLError | undefined {
  let problem: GraphQLError | undefined;
  visit(document, {
    Field(field) {
      if (problem) return false;
      for (const arg of field.arguments ?? []) {
        const name = arg.name.value;
        const path = `${field.name.value}(${name})`;
        if ((name === 'first' || name === 'last') && arg.value.kind === Kind.INT) {
          const n = Number(arg.value.value);
          if (n < 0 || n > MAX_PAGE_SIZE) {
            problem = refused(
              `${name} must be between 0 and ${MAX_PAGE_SIZE}, got ${arg.value.value}`,
              'INVALID_ARGUMENT',
              {
                argument: name,
                limit: MAX_PAGE_SIZE,
              },
            );
            return false;
          }
        }
        problem = checkValue(arg.value, path, maxList);
        if (problem) return false;
      }
      return undefined;
    },
  });
  return problem;
}

function costProblem(
  schema: GraphQLSchema,
  document: DocumentNode,
  maxCost: number,
): GraphQLError | undefined {
  try {
    const errors = validate(schema, document, [costLimitRule(costOptions(maxCost))]);
    const e = errors[0];
    return e ? refused(e.message.replace(/^Syntax Error: /, ''), 'MAX_COST_EXCEEDED') : undefined;
  } catch (e) {
    if (e instanceof GraphQLError)
      return refused(e.message.replace(/^Syntax Error: /, ''), 'MAX_COST_EXCEEDED');
    throw e;
  }
}

/** The refusal for one operation about to run, or undefined when it may run. */
export function valueProblem(args: ExecutionArgs, limits: ValueLimits): GraphQLError | undefined {
  const inlined = inlineVariables(args.schema, args.document, args.operationName, args.variableValues);
  if (!inlined) return undefined;
  const problem = argumentProblem(inlined, limits.maxListLength);
  if (problem) return problem;
  // Without variables, validation already measured this very document.
  return inlined === args.document ? undefined : costProblem(args.schema, inlined, limits.maxCost);
}

/** The envelop plugin: refuses before execution on every transport. */
export function useValueLimits(limits: ValueLimits): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const problem = valueProblem(args, limits);
      if (problem) setResultAndStopExecution({ errors: [problem] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const problem = valueProblem(args, limits);
      if (problem) setResultAndStopExecution({ errors: [problem] });
    },
  };
}
