import { inputError } from '../errors.js';
import { readRegularFileSync } from '../pki/read.js';

/**
 * A secret from a file (first line, trailing newline removed) or an environment variable; never argv.
 * Returns undefined when neither is given. With refuseEmpty, an empty file is an error (for passphrases
 * that protect a key: an empty one must never quietly mean "no encryption").
 */
export async function readSecret(
  file: string | undefined,
  envVar: string,
  opts: { refuseEmpty?: boolean } = {},
): Promise<string | undefined> {
  if (file) {
    const secret = readRegularFileSync(file, 'secret')
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (opts.refuseEmpty && secret === '')
      throw inputError(
        `the passphrase file ${file} is empty; nothing was written`,
        'put the passphrase in it (an empty passphrase would leave the key unprotected)',
      );
    return secret;
  }
  const v = process.env[envVar];
  return v === undefined || v === '' ? undefined : v;
}
