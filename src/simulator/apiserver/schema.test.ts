import { describe, expect, it } from 'vitest';
import { applySchema } from './schema.js';
import type { JSONSchemaProps, JsonObject } from './types.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['repo'],
      properties: {
        repo: { type: 'string', minLength: 1 },
        mode: { type: 'string', enum: ['FirstMatch', 'AllMatches'], default: 'FirstMatch' },
        count: { type: 'integer', minimum: 0 },
        size: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        list: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        selector: { type: 'object', nullable: true, properties: { a: { type: 'string' } } },
      },
    },
  },
};

function run(obj: JsonObject) {
  const copy = structuredClone(obj);
  return { result: applySchema(copy, schema), obj: copy };
}

describe('applySchema', () => {
  it('defaults, prunes unknown fields, and keeps preserved and map fields', () => {
    const { result, obj } = run({
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n' },
      top: 1,
      spec: {
        repo: 'r',
        extra: true,
        values: { any: { deep: 1 } },
        labels: { a: 'b' },
        list: [{ name: 'n', junk: 1 }],
        size: '25%',
      },
    });
    expect(result.causes).toEqual([]);
    expect(result.unknownFields.sort()).toEqual(['spec.extra', 'spec.list[0].junk', 'top']);
    expect(obj).toEqual({
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n' },
      spec: {
        repo: 'r',
        mode: 'FirstMatch',
        values: { any: { deep: 1 } },
        labels: { a: 'b' },
        list: [{ name: 'n' }],
        size: '25%',
      },
    });
  });

  it('reports every violation with the apiserver field, reason and message', () => {
    const { result } = run({ spec: { mode: 'Other', count: -1, size: 1.5, labels: { a: 1 }, repo: '' } });
    const byField = Object.fromEntries(result.causes.map((c) => [c.field, c]));
    expect(byField['spec.mode']).toEqual({
      reason: 'FieldValueNotSupported',
      field: 'spec.mode',
      message: 'Unsupported value: "Other": supported values: "FirstMatch", "AllMatches"',
    });
    expect(byField['spec.count']!.message).toBe(
      'Invalid value: -1: spec.count in body should be greater than or equal to 0',
    );
    expect(byField['spec.size']!.reason).toBe('FieldValueTypeInvalid');
    expect(byField['spec.labels.a']!.message).toBe(
      'Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
    );
    expect(byField['spec.repo']!.message).toBe(
      'Invalid value: "": spec.repo in body should be at least 1 chars long',
    );
  });

  it('requires required fields and drops nulls of non-nullable fields', () => {
    const { result, obj } = run({ spec: { repo: null, selector: null } });
    expect(result.causes).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.repo' },
    ]);
    expect(obj.spec).toEqual({ mode: 'FirstMatch', selector: null });
  });
});
