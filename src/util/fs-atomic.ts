/** Atomic file writes: temp file in the same directory, fsync, rename, fsync the directory. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, chmod, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function ensureDir(dir: string, mode = 0o700): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
}

export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Writes data to a new file with the given mode and fsyncs it (the file must not exist). */
export async function writeNewFile(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const fh = await open(path, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode); // umask may have narrowed or the FS widened it
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = tempNameFor(path);
  try {
    await writeNewFile(tmp, data, mode);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}

export async function writeSecretAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await ensureDir(dirname(path));
  await writeFileAtomic(path, data, 0o600);
  await chmod(path, 0o600);
}

/**
 * Replaces a file atomically keeping the mode, owner and group it has (an operator's 0640 root:prometheus stays
 * so); a new file gets `mode`. Owner and group can only be given back by root: others keep their own.
 */
export async function replaceFileKeepingMode(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  const old = await stat(path).catch(() => null);
  if (!old?.isFile()) return writeFileAtomic(path, data, mode);
  const tmp = tempNameFor(path);
  try {
    await writeNewFile(tmp, data, old.mode & 0o7777);
    if (process.getuid?.() === 0) {
      const fh = await open(tmp, 'r');
      try {
        await fh.chown(old.uid, old.gid);
      } finally {
        await fh.close();
      }
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}
