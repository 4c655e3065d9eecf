/**
 * OpenAPI for kubectl: `/openapi/v3` (a root listing one document per group/version, each
 * addressed with a content hash as kube-apiserver does) and a minimal `/openapi/v2`.
 *
 * What kubectl 1.34 reads from it:
 * - `kubectl explain` finds the schema whose `x-kubernetes-group-version-kind` names the kind;
 * - `--validate=strict` (the default) asks whether the PATCH operation of the kind takes the
 *   `fieldValidation` query parameter, and if so leaves validation to the server
 *   (`fieldValidation=Strict`), which rejects unknown fields.
 * Built-in kinds declare no strategic-merge schema here, so kubectl's client-side apply falls back
 * to its compiled-in types for them, as it does against servers without OpenAPI v3 patch data.
 */
import { createHash } from 'node:crypto';
import type { Registry, Resource } from './registry.js';
import type { JSONSchemaProps, JsonObject } from './types.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** `fleet.cattle.io` → `io.cattle.fleet`, as the apiserver names definitions of custom resources. */
export function definitionName(r: Pick<Resource, 'group' | 'version' | 'kind' | 'builtin'>): string {
  if (r.group === '') return `io.k8s.api.core.v1.${r.kind}`;
  if (r.group === 'apiextensions.k8s.io')
    return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${r.version}.${r.kind}`;
  // Kinds of k8s.io/api (rbac.authorization.k8s.io → io.k8s.api.rbac.v1.Role).
  if (r.builtin && r.group.endsWith('.k8s.io'))
    return `io.k8s.api.${r.group.split('.')[0]}.${r.version}.${r.kind}`;
  return `${r.group.split('.').reverse().join('.')}.${r.version}.${r.kind}`;
}

const objectMetaSchema: JsonObject = {
  description:
    'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Name must be unique within a namespace.' },
    generateName: {
      type: 'string',
      description: 'An optional prefix used by the server to generate a unique name.',
    },
    namespace: {
      type: 'string',
      description: 'Namespace defines the space within which each name must be unique.',
    },
    uid: { type: 'string', description: 'UID is the unique in time and space value for this object.' },
    resourceVersion: {
      type: 'string',
      description: 'An opaque value that represents the internal version of this object.',
    },
    generation: {
      type: 'integer',
      format: 'int64',
      description: 'A sequence number representing a specific generation of the desired state.',
    },
    creationTimestamp: {
      type: 'string',
      format: 'date-time',
      description: 'Server time when this object was created.',
    },
    deletionTimestamp: {
      type: 'string',
      format: 'date-time',
      description: 'Time at which this resource will be deleted.',
    },
    deletionGracePeriodSeconds: { type: 'integer', format: 'int64' },
    labels: {
      type: 'object',
      additionalProperties: { type: 'string', default: '' },
      description: 'Map of string keys and values that can be used to organize and categorize objects.',
    },
    annotations: {
      type: 'object',
      additionalProperties: { type: 'string', default: '' },
      description: 'Annotations is an unstructured key value map stored with a resource.',
    },
    finalizers: {
      type: 'array',
      items: { type: 'string', default: '' },
      description: 'Must be empty before the object is deleted from the registry.',
    },
    ownerReferences: {
      type: 'array',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      description: 'List of objects depended by this object.',
    },
    managedFields: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
  },
};

function loose(description: string, props: Record<string, JSONSchemaProps>): JSONSchemaProps {
  return { type: 'object', description, properties: props };
}

const stringMap: JSONSchemaProps = { type: 'object', additionalProperties: { type: 'string' } };

function builtinSchema(r: Resource): JSONSchemaProps {
  switch (r.kind) {
    case 'ConfigMap':
      return loose('ConfigMap holds configuration data for pods to consume.', {
        data: { ...stringMap, description: 'Data contains the configuration data.' },
        binaryData: { ...stringMap, description: 'BinaryData contains the binary data.' },
        immutable: {
          type: 'boolean',
          description:
            'Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated.',
        },
      });
    case 'Secret':
      return loose('Secret holds secret data of a certain type.', {
        data: { ...stringMap, description: 'Data contains the secret data, base64 encoded.' },
        stringData: {
          ...stringMap,
          description: 'stringData allows specifying non-binary secret data in string form.',
        },
        type: { type: 'string', description: 'Used to facilitate programmatic handling of secret data.' },
        immutable: { type: 'boolean' },
      });
    case 'Namespace':
      return loose('Namespace provides a scope for Names.', {
        spec: loose('NamespaceSpec describes the attributes on a Namespace.', {
          finalizers: { type: 'array', items: { type: 'string' } },
        }),
        status: loose('NamespaceStatus is information about the current status of a Namespace.', {
          phase: { type: 'string' },
        }),
      });
    default:
      return { type: 'object', description: `${r.kind}`, 'x-kubernetes-preserve-unknown-fields': true };
  }
}

function kindSchema(r: Resource): JsonObject {
  const base: JSONSchemaProps =
    r.schema ??
    (r.builtin ? builtinSchema(r) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  const props: Record<string, unknown> = { ...(base.properties ?? {}) };
  props.apiVersion = {
    type: 'string',
    description:
      'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  };
  props.kind = {
    type: 'string',
    description:
      'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
  };
  props.metadata = {
    allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }],
    default: {},
    description:
      "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  };
  return {
    ...base,
    type: 'object',
    properties: props,
    'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: r.version }],
  };
}

function operations(r: Resource): Record<string, unknown> {
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const ref = { $ref: `#/components/schemas/${definitionName(r)}` };
  const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } };
  const q = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
  const writeParams = [q('dryRun'), q('fieldManager'), q('fieldValidation')];
  const patchTypes = [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/apply-patch+yaml',
  ];
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const scope = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const pathParams = [
    ...(r.namespaced
      ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }]
      : []),
  ];
  const op = (action: string, extra: JsonObject = {}) => ({
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    responses: ok,
    ...extra,
  });
  const item = {
    get: op('get'),
    put: op('put', { parameters: writeParams, requestBody: { content: { '*/*': { schema: ref } } } }),
    patch: op('patch', {
      parameters: [...writeParams, q('force')],
      requestBody: {
        content: Object.fromEntries(patchTypes.map((t) => [t, { schema: { type: 'object' } }])),
      },
    }),
    delete: op('delete'),
    parameters: [
      ...pathParams,
      { name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } },
    ],
  };
  const collection = {
    get: op('list'),
    post: op('post', { parameters: writeParams, requestBody: { content: { '*/*': { schema: ref } } } }),
    delete: op('deletecollection'),
    parameters: pathParams,
  };
  // Create-only kinds (the reviews) have nothing but POST on the collection.
  if (r.verbs.length === 1 && r.verbs[0] === 'create')
    return { [scope]: { post: collection.post, parameters: pathParams } };
  const out: Record<string, unknown> = { [scope]: collection, [`${scope}/{name}`]: item };
  if (r.statusSubresource)
    out[`${scope}/{name}/status`] = {
      get: op('get'),
      put: op('put', { parameters: writeParams, requestBody: { content: { '*/*': { schema: ref } } } }),
      patch: op('patch', {
        parameters: [...writeParams, q('force')],
        requestBody: {
          content: Object.fromEntries(patchTypes.map((t) => [t, { schema: { type: 'object' } }])),
        },
      }),
      parameters: item.parameters,
    };
  return out;
}

/** The OpenAPI v3 document of one group/version (`api/v1`, `apis/<group>/<version>`). */
export function openApiV3Doc(reg: Registry, gvPath: string): unknown {
  const m = /^api\/(v[^/]+)$|^apis\/([^/]+)\/([^/]+)$/.exec(gvPath);
  if (!m) return undefined;
  const group = m[1] ? '' : m[2]!;
  const version = m[1] ?? m[3]!;
  const resources = reg.inGroupVersion(group, version);
  if (resources.length === 0) return undefined;
  const schemas: Record<string, unknown> = { [OBJECT_META]: objectMetaSchema };
  let paths: Record<string, unknown> = {};
  for (const r of resources) {
    schemas[definitionName(r)] = kindSchema(r);
    paths = { ...paths, ...operations(r) };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.34.0' },
    paths,
    components: { schemas },
  };
}

/** Every group/version document path with its serialized document. */
export function openApiV3Docs(reg: Registry): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of reg.groups())
    for (const v of g.versions) {
      const path = g.group === '' ? `api/${v}` : `apis/${g.group}/${v}`;
      const doc = openApiV3Doc(reg, path);
      if (doc) out.set(path, JSON.stringify(doc));
    }
  return out;
}

export function hashOf(text: string): string {
  return createHash('sha512').update(text).digest('hex').toUpperCase();
}

export function openApiV3Root(docs: Map<string, string>): unknown {
  const paths: Record<string, unknown> = {};
  for (const [p, text] of docs) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(text)}` };
  return { paths };
}

/**
 * The same document in the protobuf form kubectl asks for
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, gnostic `openapi_v2.Document`):
 * `swagger` (field 1) and `info` (field 2: title 1, version 2). With no definitions, kubectl's
 * client-side validation (used for `kind: List` files) skips kinds it has no schema for.
 */
// Answered with the dotted form: Go's mime.ParseMediaType rejects the `@` of the requested type.
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export function openApiV2Protobuf(): Buffer {
  const field = (no: number, value: Buffer) =>
    Buffer.concat([Buffer.from([(no << 3) | 2, value.length]), value]);
  const info = Buffer.concat([field(1, Buffer.from('Kubernetes')), field(2, Buffer.from('v1.34.0'))]);
  return Buffer.concat([field(1, Buffer.from('2.0')), field(2, info)]);
}

/** A valid, nearly empty v2 document: kubectl then uses its compiled-in types for built-in kinds. */
export function openApiV2(): unknown {
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.34.0' }, paths: {}, definitions: {} };
}
