/**
 * The dependency rule of the layers (docs/adr/0001-layers.md), checked on every import in src/:
 * data flows kube → store → fleet → graphql → server, and the simulator never sees the gateway.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** For each layer, the layers it may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  apis: [],
  shared: [],
  'gateway/kube': ['apis', 'shared'],
  'gateway/store': ['gateway/kube', 'apis', 'shared'],
  'gateway/fleet': ['gateway/store', 'gateway/access', 'apis', 'shared'],
  'gateway/access': ['gateway/kube', 'apis', 'shared'],
  'gateway/graphql': ['gateway/fleet', 'apis', 'shared'],
  'gateway/server': ['gateway/graphql', 'gateway/access', 'shared'],
  // Metrics read every layer below GraphQL; the server only gets a rendering function (gateway.ts).
  'gateway/metrics': ['gateway/kube', 'gateway/store', 'gateway/fleet', 'apis', 'shared'],
  gateway: [
    'gateway/access',
    'gateway/kube',
    'gateway/store',
    'gateway/fleet',
    'gateway/graphql',
    'gateway/server',
    'gateway/metrics',
    'apis',
    'shared',
    'config',
  ],
  simulator: ['apis', 'shared'],
  config: ['shared'],
  main: ['*'],
};

function layerOf(file: string): string {
  const rel = relative(src, file).replace(/\\/g, '/');
  if (!rel.includes('/')) return rel.replace(/\.(ts|js)$/, '');
  const [top, second] = rel.split('/');
  if (top === 'gateway' && second && !second.endsWith('.ts')) return `gateway/${second}`;
  return top!;
}

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) yield p;
  }
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

describe('layer dependency rule', () => {
  const violations: string[] = [];
  for (const file of sources(src)) {
    const from = layerOf(file);
    const allowed = ALLOWED[from];
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      const to = layerOf(resolve(dirname(file), spec));
      if (to === from || allowed?.includes('*') || allowed?.includes(to)) continue;
      violations.push(`${relative(root, file)} (${from}) imports ${spec} (${to})`);
    }
  }

  it('every import in src/ respects the layers', () => {
    expect(violations).toEqual([]);
  });

  it('knows every layer it finds', () => {
    const unknown = [...sources(src)].map(layerOf).filter((l) => !(l in ALLOWED));
    expect([...new Set(unknown)]).toEqual([]);
  });
});
