/**
 * GraphQL Code Generator: typed documents for the operations the tests (and example clients)
 * write with `graphql(...)`. The schema comes from the committed SDL, so codegen never imports the
 * app. Output is committed; `npm run schema:check` fails when it drifts.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: true,
  // NodeNext needs explicit extensions on relative imports.
  importExtension: '.js',
  generates: {
    'test/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
