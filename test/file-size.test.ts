/**
 * Size rule for production code: a file in src/ over 400 lines must say why in its header, with
 * the phrase "Why this file is over 400 lines" in its first 40 lines. Long files are allowed when
 * the length has a reason (a composition root, one data table, one state machine); the rule makes
 * that reason visible to whoever opens the file, and makes a file that just grew stand out.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

const MAX_LINES = 400;
const HEADER_LINES = 40;
const PHRASE = 'Why this file is over 400 lines';

/** Files over the limit that need not state a reason: none. Give a new long file its reason, or split it. */
const NOT_YET_EXPLAINED: ReadonlySet<string> = new Set<string>();

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) yield p;
  }
}

function lineCount(text: string): number {
  const lines = text.split('\n').length;
  return text.endsWith('\n') ? lines - 1 : lines;
}

/** "path (N lines)" for every file over the limit whose header does not state why. */
function offenders(files: Iterable<{ path: string; text: string }>, allowed: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const { path, text } of files) {
    const n = lineCount(text);
    if (n <= MAX_LINES || allowed.has(path)) continue;
    const header = text.split('\n').slice(0, HEADER_LINES).join('\n');
    if (!header.includes(PHRASE)) out.push(`${path} (${n} lines)`);
  }
  return out;
}

function productionFiles(): { path: string; text: string }[] {
  return [...sources(src)].map((p) => ({
    path: relative(root, p).replace(/\\/g, '/'),
    text: readFileSync(p, 'utf8'),
  }));
}

describe('production file size', () => {
  it(`every file in src/ over ${MAX_LINES} lines says why in its header`, () => {
    const files = productionFiles();
    expect(files.length).toBeGreaterThan(50);
    const found = offenders(files, NOT_YET_EXPLAINED);
    expect(
      found,
      `over ${MAX_LINES} lines without "${PHRASE}: …" in the first ${HEADER_LINES} lines (split the file, or state the reason):\n  ${found.join('\n  ')}`,
    ).toEqual([]);
  });

  it('the not-yet-explained list names only files that exist', () => {
    const missing = [...NOT_YET_EXPLAINED].filter((p) => !existsSync(join(root, p)));
    expect(missing, 'remove or rename these entries').toEqual([]);
  });

  it('flags a long file without a reason and lets the others pass', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `const v${i} = ${i};`).join('\n') + '\n';
    const files = [
      { path: 'src/long.ts', text: `/** A long file. */\n${body(450)}` },
      { path: 'src/explained.ts', text: `/**\n * ${PHRASE}: one data table.\n */\n${body(450)}` },
      { path: 'src/late.ts', text: `${body(50)}/** ${PHRASE}: too far down. */\n${body(450)}` },
      { path: 'src/short.ts', text: body(400) },
      { path: 'src/allowed.ts', text: body(450) },
    ];
    expect(offenders(files, new Set(['src/allowed.ts']))).toEqual([
      'src/long.ts (451 lines)',
      'src/late.ts (501 lines)',
    ]);
  });
});
