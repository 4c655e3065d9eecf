/**
 * The dependency rule of the layers (docs/adr/0001-layers.md), checked on every import in src/:
 * data flows kube → store → fleet → graphql → server, and the simulator never sees the gateway.
 * Inside the Fleet core, rules/ stays pure: commands/ and live/ may call it, never the reverse,
 * and it imports nothing stateful (see `ruleProblems`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

/** For each layer, the layers it may import (besides itself). */
const FLEET = ['gateway/fleet', 'gateway/fleet/rules', 'gateway/fleet/commands', 'gateway/fleet/live'];
const ALLOWED: Record<string, readonly string[]> = {
  apis: [],
  shared: [],
  'gateway/kube': ['apis', 'shared'],
  'gateway/store': ['gateway/kube', 'apis', 'shared'],
  // Pure Fleet rules: records and snapshots in, results out (ruleProblems narrows this further).
  'gateway/fleet/rules': ['gateway/store', 'apis', 'shared'],
  'gateway/fleet/commands': ['gateway/fleet/rules', 'gateway/store', 'gateway/access', 'apis', 'shared'],
  'gateway/fleet/live': ['gateway/fleet/rules', 'gateway/store', 'apis', 'shared'],
  // The read side (model.ts, visible.ts, details.ts, index.ts) composes the three parts.
  'gateway/fleet': [
    'gateway/fleet/rules',
    'gateway/fleet/commands',
    'gateway/fleet/live',
    'gateway/store',
    'gateway/access',
    'apis',
    'shared',
  ],
  'gateway/access': ['gateway/kube', 'apis', 'shared'],
  'gateway/graphql': [...FLEET, 'apis', 'shared'],
  'gateway/server': ['gateway/graphql', 'gateway/access', 'shared'],
  // Metrics read every layer below GraphQL and render the lifecycle histograms of fleet/live; the
  // server only gets a rendering function (gateway.ts).
  'gateway/metrics': ['gateway/kube', 'gateway/store', ...FLEET, 'apis', 'shared'],
  gateway: [
    'gateway/access',
    'gateway/kube',
    'gateway/store',
    ...FLEET,
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
  const [top, second, third] = rel.split('/');
  if (top === 'gateway' && second === 'fleet' && third && !/\.(ts|js)$/.test(third))
    return `gateway/fleet/${third}`;
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

/** Layer violations of one file's imports. */
function layerProblems(file: string, text: string): string[] {
  const from = layerOf(file);
  const allowed = ALLOWED[from];
  const problems: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]!;
    const to = layerOf(resolve(dirname(file), spec));
    if (to === from || allowed?.includes('*') || allowed?.includes(to)) continue;
    problems.push(`${relative(root, file)} (${from}) imports ${spec} (${to})`);
  }
  return problems;
}

/** Every module specifier a file imports, relative or not. */
const ANY_IMPORT =
  /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

/** What a pure rule may import outside rules/: record types, Fleet's vocabulary, coded errors. */
const RULE_IMPORTS = [/^gateway\/store\/records\.ts$/, /^apis\/[\w-]+\.ts$/, /^shared\/errors\.ts$/];

/** Reading the time or scheduling work: what makes a function depend on more than its snapshot. */
const IMPURE =
  /\bDate\.now\s*\(|\bnew Date\(\s*\)|\bset(?:Timeout|Interval|Immediate)\s*\(|\bqueueMicrotask\s*\(|\bperformance\.now\b|\bprocess\.|\bMath\.random\b/;

const withoutComments = (text: string) =>
  text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

/**
 * Problems of a file in gateway/fleet/rules: it imports only other rules, store records, apis/
 * and coded errors (no live engines, commands, kube, graphql, clock, logger, node: or packages),
 * and neither reads the time nor schedules work.
 */
function ruleProblems(file: string, text: string): string[] {
  if (layerOf(file) !== 'gateway/fleet/rules') return [];
  const problems: string[] = [];
  const name = relative(root, file);
  for (const m of text.matchAll(ANY_IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith('.')) {
      problems.push(`${name} imports ${spec}: a rule imports no package or node: module`);
      continue;
    }
    const target = resolve(dirname(file), spec);
    if (layerOf(target) === 'gateway/fleet/rules') continue;
    const rel = relative(src, target).replace(/\\/g, '/').replace(/\.js$/, '.ts');
    if (!RULE_IMPORTS.some((ok) => ok.test(rel))) problems.push(`${name} imports ${spec}: not pure`);
  }
  const code = withoutComments(text);
  const impure = IMPURE.exec(code);
  if (impure) problems.push(`${name} uses ${impure[0].trim()}: a rule reads no clock and schedules nothing`);
  return problems;
}

describe('layer dependency rule', () => {
  const violations: string[] = [];
  for (const file of sources(src)) violations.push(...layerProblems(file, readFileSync(file, 'utf8')));

  it('every import in src/ respects the layers', () => {
    expect(violations).toEqual([]);
  });

  it('knows every layer it finds', () => {
    const unknown = [...sources(src)].map(layerOf).filter((l) => !(l in ALLOWED));
    expect([...new Set(unknown)]).toEqual([]);
  });
});

describe('gateway/fleet/rules is pure', () => {
  const rules = join(src, 'gateway', 'fleet', 'rules');

  it('finds the rules', () => {
    expect([...sources(rules)].length).toBeGreaterThan(10);
  });

  it('no rule imports anything stateful, reads the clock or schedules work', () => {
    const problems = [...sources(rules)].flatMap((f) => ruleProblems(f, readFileSync(f, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('reports a planted violation of each sort, and lets a pure file pass', () => {
    const planted = join(rules, 'planted.ts');
    const check = (text: string) => [...layerProblems(planted, text), ...ruleProblems(planted, text)];
    expect(
      check(
        `import { FleetView } from './view.js';\nimport type { Snapshot } from '../../store/records.js';\nimport { ErrorCode } from '../../../shared/errors.js';\nimport type { GitTarget } from '../../../apis/fleet.js';\n// setTimeout( in a comment is fine\nconst t = Date.parse('2026-01-01');`,
      ),
    ).toEqual([]);
    const cases: [string, RegExp][] = [
      [
        `import { EventEngine } from '../live/events/engine.js';`,
        /imports \.\.\/live\/events\/engine\.js \(gateway\/fleet\/live\)/,
      ],
      [`import { FleetCommands } from '../commands/commands.js';`, /\(gateway\/fleet\/commands\)/],
      [`import type { Reflector } from '../../kube/reflector.js';`, /\(gateway\/kube\)/],
      [`import { builder } from '../../graphql/builder.js';`, /\(gateway\/graphql\)/],
      [`import type { Store } from '../../store/store.js';`, /store\/store\.js: not pure/],
      [`import type { Clock } from '../../../shared/clock.js';`, /shared\/clock\.js: not pure/],
      [`import { readFileSync } from 'node:fs';`, /node:fs: a rule imports no package/],
      [`import { Histogram } from 'prom-client';`, /prom-client: a rule imports no package/],
      [`export const now = () => Date.now();`, /uses Date\.now/],
      [`export const later = (f: () => void) => setImmediate(f);`, /uses setImmediate/],
      [`export const stamp = () => new Date();`, /uses new Date\(/],
    ];
    for (const [text, problem] of cases) expect(check(text).join('\n'), text).toMatch(problem);
  });

  it('lets live/ and commands/ call the rules, and keeps them apart from each other', () => {
    const live = join(src, 'gateway', 'fleet', 'live', 'planted.ts');
    const commands = join(src, 'gateway', 'fleet', 'commands', 'planted.ts');
    expect(layerProblems(live, `import { stillTargeted } from '../rules/still-targeted.js';`)).toEqual([]);
    expect(layerProblems(commands, `import { stillTargeted } from '../rules/still-targeted.js';`)).toEqual(
      [],
    );
    expect(layerProblems(live, `import { FleetCommands } from '../commands/commands.js';`)).toHaveLength(1);
    expect(layerProblems(commands, `import { EventEngine } from '../live/events/engine.js';`)).toHaveLength(
      1,
    );
  });
});
