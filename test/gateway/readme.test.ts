/** The README stays true to the code: every setting is in its table, every command it names exists. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config.js';
import { appOver } from './support.js';
import { demoSnapshot } from './fixtures.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  scripts: Record<string, string>;
};

describe('README', () => {
  it('has a row for every setting, with its flag and environment variable', () => {
    for (const [flag, s] of Object.entries(SETTINGS)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`--${flag}\``));
      expect(row, `--${flag}`).toBeDefined();
      expect(row).toContain(`\`${s.env}\``);
    }
  });

  it('names only npm scripts that exist', () => {
    for (const [, name] of readme.matchAll(/`npm run ([a-z:]+)`/g))
      expect(pkg.scripts, name).toHaveProperty(name!);
  });

  it('documents the error codes the gateway really returns for a syntax error', async () => {
    const { app } = appOver(demoSnapshot());
    const res = await app.fetch('http://fleet-graph/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ clusters {' }),
    });
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(readme).toContain(body.errors[0]!.extensions.code);
  });
});
