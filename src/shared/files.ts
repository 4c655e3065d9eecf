/**
 * Writing a file that holds a credential: the whole file appears at once (readers never see half of
 * it), is readable by its owner only whatever was at the path before, and a symlink planted at the
 * path is replaced, never followed.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  // O_EXCL: a fresh file created with `mode` (an existing path, symlink or not, is an error).
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    // The umask may have narrowed the mode; never widened, but make it exact.
    await handle.chmod(mode);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    // rename replaces the directory entry: a symlink at `file` is replaced, not written through.
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
