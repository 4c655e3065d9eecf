/**
 * Every section citation in src/, schema/ and scripts/ resolves inside the repository: a `§N.M`
 * follows a `docs/….md` path (a list `docs/fleet/state.md §5.1, §5.4` shares one), the file
 * exists, and it has a heading carrying that number (both ends of a range `§5.3–5.6`). Documents
 * that live outside the repository are not cited at all, and the public schema cites no document:
 * its descriptions state the rule itself. Convention: docs/fleet/README.md.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const NUM = String.raw`\d+(?:\.\d+)*`;
const ITEM = String.raw`§(${NUM})(?:[ \t]?[–-][ \t]?§?(${NUM}))?`;
const WRAP = String.raw`(?:\n[ \t]*(?:\*(?!\/)|\/\/)?[ \t]*)?`;
const SEP = String.raw`(?:,[ \t]*${WRAP}|[ \t]+(?:and|or)[ \t]+${WRAP})`;
const ITEM_NC = ITEM.replace(/\((?!\?)/g, '(?:');
/** A path in docs/ followed by one or more section numbers. */
const RUN = new RegExp(
  String.raw`(?<![\w./-])(docs\/[\w./-]+\.md)[ \t]*${WRAP}(${ITEM_NC}(?:${SEP}${ITEM_NC})*)`,
  'g',
);
/** Documents kept outside the repository, which a reader of the repository cannot open. */
const OUTSIDE =
  /fleet-model|(?:shared|notes)\/[\w-]+\.md|(?<![\w/.-])(?:wave2-libraries|libraries|performance|peers|ARCHITECTURE)\.md/;

interface Problem {
  file: string;
  line: number;
  text: string;
  why: string;
}

const headingCache = new Map<string, Set<string> | null>();
/** Section numbers that are headings of a repository file, or null when it does not exist. */
function headingsOf(path: string, base: string): Set<string> | null {
  const key = join(base, path);
  if (!headingCache.has(key)) {
    if (!existsSync(key) || !statSync(key).isFile()) headingCache.set(key, null);
    else {
      const numbers = [...readFileSync(key, 'utf8').matchAll(/^#{1,6}[ \t]+§(\d+(?:\.\d+)*)(?=[\s:]|$)/gm)];
      headingCache.set(key, new Set(numbers.map((m) => m[1]!)));
    }
  }
  return headingCache.get(key)!;
}

/** Problems with the citations in one file's text; `base` is the repository the paths are in. */
function citationProblems(file: string, text: string, base = root): Problem[] {
  const problems: Problem[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  const covered = new Set<number>();
  for (const run of text.matchAll(RUN)) {
    const path = run[1]!;
    const itemsAt = run.index + run[0].length - run[2]!.length;
    const headings = headingsOf(path, base);
    for (const item of run[2]!.matchAll(new RegExp(ITEM, 'g'))) {
      const at = itemsAt + item.index;
      for (let i = at; i < at + item[0].length; i++) if (text[i] === '§') covered.add(i);
      const report = (why: string) =>
        problems.push({ file, line: lineOf(at), text: `${path} ${item[0]}`, why });
      if (headings === null) report(`${path} does not exist`);
      else
        for (const n of [item[1], item[2]])
          if (n !== undefined && !headings.has(n)) report(`${path} has no heading §${n}`);
    }
  }
  for (const m of text.matchAll(/§/g)) {
    if (!covered.has(m.index)) {
      const line = lineOf(m.index);
      problems.push({
        file,
        line,
        text: text.split('\n')[line - 1]!.trim(),
        why: 'a § without the docs/ file it is in (write `docs/fleet/targeting.md §4.3`)',
      });
    }
  }
  text.split('\n').forEach((content, i) => {
    if (OUTSIDE.test(content))
      problems.push({
        file,
        line: i + 1,
        text: content.trim(),
        why: 'names a document outside the repository',
      });
  });
  return problems;
}

function* filesUnder(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* filesUnder(p);
    else if (/\.(ts|mts|js|mjs|md|graphql|json|ya?ml)$/.test(name)) yield p;
  }
}

const show = (ps: Problem[]) => ps.map((p) => `${p.file}:${p.line}: ${p.why}: ${p.text}`);

describe('section citations', () => {
  it('every citation in src/, schema/ and scripts/ names a repository file and one of its headings', () => {
    const problems = ['src', 'schema', 'scripts'].flatMap((top) =>
      [...filesUnder(join(root, top))].flatMap((f) =>
        citationProblems(relative(root, f), readFileSync(f, 'utf8')),
      ),
    );
    expect(show(problems)).toEqual([]);
  });

  it('the public schema cites no document: its descriptions state the rule', () => {
    const schema = readFileSync(join(root, 'schema/schema.graphql'), 'utf8');
    const cites = schema
      .split('\n')
      .map((line, i) => ({ line: i + 1, text: line.trim() }))
      .filter(({ text }) => /§|\.md\b|fleet-model|docs\//.test(text));
    expect(cites).toEqual([]);
  });

  it('the docs index lists every chapter file, and each file carries the sections it claims', () => {
    const index = readFileSync(join(root, 'docs/fleet/README.md'), 'utf8');
    const chapters: [string, string[]][] = [
      ['objects.md', ['1', '2', '2.1', '2.10']],
      ['links.md', ['3', '3.1', '3.4']],
      ['targeting.md', ['4', '4.1', '4.7']],
      ['state.md', ['5', '5.1', '5.6']],
      ['lifecycle.md', ['6', '6.1', '6.3']],
      ['rollout.md', ['7', '7.1', '7.2']],
      ['operations.md', ['8', '8.1', '8.5']],
    ];
    for (const [file, sections] of chapters) {
      expect(index).toContain(`](${file})`);
      expect([...(headingsOf(`docs/fleet/${file}`, root) ?? [])]).toEqual(expect.arrayContaining(sections));
    }
  });

  // The checker itself: each of these must be caught, or the scan above proves nothing.
  it('flags bare sections, outside documents, missing files and missing headings; accepts the rest', () => {
    const whys = (text: string) => citationProblems('x.ts', text).map((p) => p.why);
    expect(whys('// docs/fleet/targeting.md §4.3, §4.4 and docs/fleet/state.md §5.3–5.6.')).toEqual([]);
    expect(whys('/* (docs/fleet/operations.md\n * §8.1) */')).toEqual([]);
    expect(whys('// docs/libraries.md §1.5 point 6; docs/performance-goals.md §5.3')).toEqual([]);
    expect(whys('// bare §4.3')).toEqual([expect.stringContaining('without the docs/ file')]);
    expect(whys('// fleet-model.md §4.3')).toEqual([
      expect.stringContaining('without the docs/ file'),
      'names a document outside the repository',
    ]);
    expect(whys('// docs/fleet/targeting.md §9.9')).toEqual(['docs/fleet/targeting.md has no heading §9.9']);
    expect(whys('// docs/fleet/state.md §5.3–5.9')).toEqual(['docs/fleet/state.md has no heading §5.9']);
    expect(whys('// docs/fleet/nowhere.md §1')).toEqual(['docs/fleet/nowhere.md does not exist']);
    expect(whys('// docs/fleet/targeting.md §4.3, §5.1')).toEqual([
      'docs/fleet/targeting.md has no heading §5.1',
    ]);
  });
});
