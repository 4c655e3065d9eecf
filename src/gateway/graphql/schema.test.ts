import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  printSchema,
} from 'graphql';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildSchema } from './schema.js';

const schema = buildSchema();

describe('schema', () => {
  it('has the root fields scripts depend on', () => {
    const fields = Object.keys(schema.getQueryType()!.getFields());
    for (const name of [
      'node',
      'workspaces',
      'gitRepos',
      'gitRepo',
      'bundle',
      'bundles',
      'bundleDeployments',
      'clusters',
      'cluster',
      'clusterGroups',
      'inconsistencies',
      'targetPreview',
      'version',
    ]) {
      expect(fields).toContain(name);
    }
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (isScalarType(type) && ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of field.args)
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      } else if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields()))
          if (!field.description) missing.push(`${type.name}.${field.name}`);
      } else if (isEnumType(type)) {
        for (const v of type.getValues()) if (!v.description) missing.push(`${type.name}.${v.name}`);
      } else if (isUnionType(type)) {
        // described above
      }
    }
    expect(missing).toEqual([]);
  });

  it('maps every Fleet state to one enum value', () => {
    const values = schema.getType('BundleState');
    expect(
      isEnumType(values) &&
        values
          .getValues()
          .map((v) => [v.name, String(v.value)])
          .sort(),
    ).toEqual([
      ['ERR_APPLIED', 'ErrApplied'],
      ['MODIFIED', 'Modified'],
      ['NOT_READY', 'NotReady'],
      ['OUT_OF_SYNC', 'OutOfSync'],
      ['PENDING', 'Pending'],
      ['READY', 'Ready'],
      ['WAIT_APPLIED', 'WaitApplied'],
    ]);
  });

  it('matches the committed schema/schema.graphql', async () => {
    const committed = await readFile(new URL('../../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(`${printSchema(schema)}\n`);
  });
});
