import { lstat, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-graph-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('leaves an owner-only file even where a world-readable one was', async () => {
    const file = join(dir, 'kubeconfig');
    await writeFile(file, 'old', { mode: 0o644 });
    await writeFileAtomic(file, 'secret');
    expect(await readFile(file, 'utf8')).toBe('secret');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('replaces a planted symlink instead of writing through it', async () => {
    const victim = join(dir, 'victim');
    await writeFile(victim, 'untouched', { mode: 0o644 });
    const file = join(dir, 'kubeconfig');
    await symlink(victim, file);
    await writeFileAtomic(file, 'secret');
    expect(await readFile(victim, 'utf8')).toBe('untouched');
    expect((await lstat(file)).isSymbolicLink()).toBe(false);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
