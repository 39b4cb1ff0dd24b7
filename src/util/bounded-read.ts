/**
 * Reading a file a user named, safely: regular files only (a device, FIFO, socket or directory is refused
 * without blocking on it), and no more than a cap per kind of file, so `/dev/zero` or a log file given by
 * mistake ends in one clear line instead of memory exhaustion or a hang.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { inputError } from '../errors.js';

/** Caps per kind of input, in bytes. */
export const INPUT_CAPS = {
  /** a passphrase or password file */
  secret: 4 * 1024,
  /** a private key (RSA-16384 in PEM is ~13 KB) */
  key: 256 * 1024,
  /** certificates, chains, bundles, CSRs, PKCS#7 and PKCS#12 files */
  certificate: 4 * 1024 * 1024,
} as const;

function kindOf(mode: number): string {
  const type = mode & constants.S_IFMT;
  if (type === constants.S_IFDIR) return 'a directory';
  if (type === constants.S_IFIFO) return 'a FIFO';
  if (type === constants.S_IFSOCK) return 'a socket';
  if (type === constants.S_IFCHR || type === constants.S_IFBLK) return 'a device';
  return 'not a regular file';
}

function human(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/** Reads a regular file of at most maxBytes; `what` names it in errors ("the key file"). */
export async function readBoundedFile(path: string, what: string, maxBytes: number): Promise<Buffer> {
  let fh;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not hang before fstat can refuse it
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw inputError(`${what} ${path} does not exist`);
    if (code === 'EACCES')
      throw inputError(`${what} ${path}: permission denied`, 'run as a user who can read it');
    throw inputError(`cannot read ${what} ${path} (${code ?? (err as Error).message})`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw inputError(`${what} ${path} is ${kindOf(st.mode)}`, 'give a regular file');
    if (st.size > maxBytes)
      throw inputError(
        `${what} ${path} is ${st.size} bytes; at most ${human(maxBytes)} is read`,
        'check that it is the right file',
      );
    // the size can change under us: never read more than the cap
    const buf = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes)
        throw inputError(`${what} ${path} grew past ${human(maxBytes)} while being read`);
    }
    return buf.subarray(0, length);
  } finally {
    await fh.close();
  }
}
