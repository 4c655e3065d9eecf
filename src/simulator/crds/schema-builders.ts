/** Small builders for structural OpenAPI v3 schemas, so the Fleet CRDs read like the field reference. */
import type { JSONSchemaProps } from '../apiserver/types.js';

export const str = (description: string, extra: JSONSchemaProps = {}): JSONSchemaProps => ({
  type: 'string',
  description,
  ...extra,
});
export const bool = (description: string): JSONSchemaProps => ({ type: 'boolean', description });
export const int = (description: string, extra: JSONSchemaProps = {}): JSONSchemaProps => ({
  type: 'integer',
  description,
  ...extra,
});
export const int64 = (description: string): JSONSchemaProps => ({
  type: 'integer',
  format: 'int64',
  description,
});
export const time = (description: string): JSONSchemaProps => ({
  type: 'string',
  format: 'date-time',
  description,
});
export const duration = (description: string): JSONSchemaProps => ({ type: 'string', description });
export const intOrString = (description: string): JSONSchemaProps => ({
  description,
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
});

export function obj(
  description: string,
  properties: Record<string, JSONSchemaProps>,
  extra: JSONSchemaProps = {},
): JSONSchemaProps {
  return { type: 'object', description, properties, ...extra };
}

export function arr(
  description: string,
  items: JSONSchemaProps,
  extra: JSONSchemaProps = {},
): JSONSchemaProps {
  return { type: 'array', description, items, ...extra };
}

export function stringMap(description: string): JSONSchemaProps {
  return { type: 'object', description, additionalProperties: { type: 'string' } };
}

/** A field whose inside we do not model: kept as sent (x-kubernetes-preserve-unknown-fields). */
export function preserved(description: string, type: 'object' | 'array' = 'object'): JSONSchemaProps {
  return type === 'object'
    ? { type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true }
    : { type: 'array', description, items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
}

export const stringList = (description: string): JSONSchemaProps => arr(description, { type: 'string' });

/** The standard Kubernetes LabelSelector shape (matchLabels + matchExpressions). */
export function labelSelector(description: string): JSONSchemaProps {
  return obj(
    description,
    {
      matchLabels: stringMap(
        'A map of {key,value} pairs; each is equivalent to a matchExpressions entry with operator In and the single value.',
      ),
      matchExpressions: arr(
        'A list of label selector requirements, ANDed.',
        obj(
          'A selector requirement: a key, an operator and values.',
          {
            key: str('The label key that the selector applies to.'),
            operator: str("The key's relationship to the values: In, NotIn, Exists or DoesNotExist."),
            values: stringList('Values for In and NotIn; must be empty for Exists and DoesNotExist.'),
          },
          { required: ['key', 'operator'] },
        ),
      ),
    },
    { nullable: true, 'x-kubernetes-map-type': 'atomic' },
  );
}
