/**
 * Writes the public GraphQL contract to schema/schema.graphql and regenerates the typed operations
 * in test/gql/ from it, or with --check fails when either committed copy differs from what the
 * code defines (CI runs the check through `npm run schema:check`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import codegenConfig from '../codegen.js';
import { buildSchema } from '../src/gateway/graphql/schema.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = fileURLToPath(new URL('../schema/schema.graphql', import.meta.url));
const printed = `${printSchema(buildSchema())}\n`;
const check = process.argv.includes('--check');

const stale: string[] = [];
const committed = await readFile(target, 'utf8').catch(() => '');
if (committed !== printed) {
  if (check) stale.push('schema/schema.graphql (run `npm run schema:print`)');
  else await writeFile(target, printed);
}

// Codegen reads the schema file, so it runs after the file is current (or, in check mode, equal).
if (stale.length === 0 || !check) {
  const outputs = (await generate({ ...codegenConfig, cwd: root, silent: true }, false)) as {
    filename: string;
    content: string;
  }[];
  for (const out of outputs) {
    const file = fileURLToPath(new URL(`../${out.filename}`, import.meta.url));
    const current = await readFile(file, 'utf8').catch(() => '');
    if (current === out.content) continue;
    if (check) stale.push(`${out.filename} (run \`npm run schema:print\`)`);
    else await writeFile(file, out.content);
  }
}

if (check) {
  if (stale.length > 0) {
    console.error(`out of date:\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
  console.log('schema/schema.graphql, test/gql/ and sdk/src/gql/ are up to date');
} else {
  console.log('wrote schema/schema.graphql, test/gql/ and sdk/src/gql/');
}
