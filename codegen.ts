/**
 * GraphQL Code Generator: typed documents for the operations the tests write with `graphql(...)`
 * (test/gql/), and for the client SDK's operations (sdk/src/gql/, as plain strings so the SDK
 * needs no `graphql` at run time). The schema comes from the committed SDL, so codegen never
 * imports the app. Output is committed; `npm run schema:check` fails when either drifts.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const scalars = { DateTime: 'string', JSON: 'unknown' };

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: true,
  // NodeNext needs explicit extensions on relative imports.
  importExtension: '.js',
  generates: {
    'test/gql/': {
      documents: ['test/**/*.ts', '!test/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, scalars },
    },
    'sdk/src/gql/': {
      documents: ['sdk/operations/**/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { documentMode: 'string', useTypeImports: true, enumsAsTypes: true, scalars },
    },
  },
};

export default config;
