/** The custom scalars: DateTime (RFC 3339, as Kubernetes writes times) and JSON (opaque values). */
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from '../builder.js';

function toIso(value: Date | string | number): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw new GraphQLError(`DateTime cannot represent "${String(value)}"`);
  return d.toISOString();
}

function fromIso(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new GraphQLError(`DateTime must be an RFC 3339 string, got ${JSON.stringify(value)}`, {
      extensions: { code: 'INVALID_ARGUMENT' },
    });
  }
  return new Date(value);
}

builder.scalarType('DateTime', {
  description: 'A point in time as an RFC 3339 string in UTC, e.g. `2026-01-01T00:00:00.000Z`.',
  serialize: (value) => toIso(value),
  parseValue: (value) => fromIso(value),
});

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literal(f.value)]));
    default:
      throw new GraphQLError('JSON literals cannot contain variables or enum values');
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value, passed through as Fleet stores it.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (node) => literal(node),
});
