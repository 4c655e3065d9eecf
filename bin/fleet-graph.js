#!/usr/bin/env node
// The `fleet-graph` command. It runs the compiled CLI when dist/ exists (the image, `npm run
// build`), and the TypeScript source through tsx otherwise, so `npx fleet-graph` works on a fresh
// clone right after `npm ci`. A production install (`npm ci --omit=dev`) has no tsx, but it has
// dist/, so the dev-only branch never runs there.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(
      'fleet-graph: dist/ is missing and tsx is not installed; run `npm ci` (for development) or `npm run build`\n',
    );
    process.exit(1);
  }
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
