import { readFile } from 'node:fs/promises';
import { inputError } from '../errors.js';

/**
 * A secret from a file (first line, trailing newline removed) or an environment variable; never argv.
 * Returns undefined when neither is given.
 */
export async function readSecret(file: string | undefined, envVar: string): Promise<string | undefined> {
  if (file) {
    try {
      return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw inputError(
        `cannot read the secret file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  const v = process.env[envVar];
  return v === undefined || v === '' ? undefined : v;
}
