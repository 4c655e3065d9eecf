/** Helpers for monitoring tests: scrape /metrics over HTTP, read one sample, capture log lines. */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** Where a gateway serves /metrics: its own port, apart from the API. */
export interface MetricsTarget {
  readonly metricsUrl: string;
}

/** The Prometheus text of a gateway. */
export async function scrape(target: MetricsTarget): Promise<string> {
  const res = await fetch(target.metricsUrl);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/**
 * The value of one sample: `name` with exactly these labels (in any order), or undefined when the
 * series is not exported.
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const have = (m[1] ?? '').match(/[a-zA-Z_]+="(?:[^"\\]|\\.)*"/g) ?? [];
    if (have.length === want.length && [...have].sort().every((l, i) => l === want[i])) return Number(m[2]);
  }
  return undefined;
}

/** Scrapes and reads one sample. */
export async function metric(target: MetricsTarget, name: string, labels: Record<string, string> = {}) {
  return sample(await scrape(target), name, labels);
}

/** A logger that keeps every JSON line it writes, at debug and above. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** Top-level keys a JSON object line names more than once (JSON.parse would keep only the last). */
export function duplicateKeys(line: string): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      const str = line.slice(i + 1, j);
      let k = j + 1;
      while (line[k] === ' ') k++;
      if (depth === 1 && line[k] === ':') {
        if (seen.has(str)) dups.push(str);
        seen.add(str);
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return dups;
}
