/**
 * Where a gateway CPU profile's time goes: self time by function and by package or source folder.
 *
 *   npx tsx test/bench/profile-summary.ts <file.cpuprofile> [top]
 *
 * Profiles come from `npm run bench -- --profile` (one per gateway process, in <out>/profiles).
 */
import { readFile } from 'node:fs/promises';
import { profileSummary, type CpuProfile } from './report.js';

const [file, top = '25'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: npx tsx test/bench/profile-summary.ts <file.cpuprofile> [top]\n');
  process.exit(2);
}
const s = profileSummary(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, Number(top));
const line = (r: { name: string; ms: number; share: number }) =>
  `${String(r.ms).padStart(8)} ms ${r.share.toFixed(1).padStart(5)} %  ${r.name}`;
process.stdout.write(
  `${file}: ${s.totalMs} ms sampled\n\nBy package or source folder (self time):\n${s.owners.map(line).join('\n')}\n\n` +
    `By function (self time):\n${s.functions.map(line).join('\n')}\n`,
);
