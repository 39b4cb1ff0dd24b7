import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CertkitError } from '../../errors.js';
import { generatePrivateKey, parseKeyType, privateKeyToPem, keyTypeOf } from '../../csr/keygen.js';
import { writeSecretAtomic } from '../../util/fs-atomic.js';
import { readSecret } from '../../util/secret.js';
import type { Context } from '../context.js';

export interface KeyFlags {
  type: string;
  out?: string;
  passphraseFile?: string;
  encrypt?: boolean;
  force?: boolean;
  dryRun?: boolean;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // missing or not reachable: the checks below and the write say why
  }
}

export async function runKey(ctx: Context, flags: KeyFlags): Promise<number> {
  const type = parseKeyType(flags.type);
  if (!flags.out)
    throw new CertkitError(
      'usage',
      'where should the key go?',
      'give --out FILE (keys are never printed to the terminal)',
    );
  // a directory is never replaced by a key, --force or not: refused before anything is written
  if (/[/\\]$/.test(flags.out) || isDirectory(flags.out))
    throw new CertkitError(
      'input',
      `${flags.out} is a directory: give a file path`,
      `e.g. --out ${join(flags.out, 'privkey.pem')}`,
    );
  if (!existsSync(dirname(flags.out))) {
    throw new CertkitError(
      'input',
      `the directory ${dirname(flags.out)} does not exist; nothing was written`,
      'create it first (0700 for keys)',
    );
  }
  if (existsSync(flags.out) && !flags.force) {
    throw new CertkitError(
      'input',
      `${flags.out} already exists; it was left as it is`,
      'use --force to replace it',
    );
  }
  const passphrase = await readSecret(flags.passphraseFile, 'CERTKIT_PASSPHRASE', { refuseEmpty: true });
  if (flags.encrypt && !passphrase)
    throw new CertkitError(
      'usage',
      '--encrypt needs a passphrase',
      'give --passphrase-file FILE or CERTKIT_PASSPHRASE',
    );
  if (flags.dryRun) {
    ctx.out(
      ctx.json
        ? JSON.stringify({ schemaVersion: 1, dryRun: true, path: flags.out, type })
        : `would write a ${type} key to ${flags.out}`,
    );
    return 0;
  }
  const key = await generatePrivateKey(type);
  await writeSecretAtomic(
    flags.out,
    privateKeyToPem(key, flags.encrypt || flags.passphraseFile ? passphrase : undefined),
  );
  const encrypted = !!(passphrase && (flags.encrypt || flags.passphraseFile));
  if (ctx.json)
    ctx.out(
      JSON.stringify({ schemaVersion: 1, path: flags.out, type: keyTypeOf(key), encrypted, mode: '0600' }),
    );
  else if (!ctx.quiet)
    ctx.out(`wrote ${keyTypeOf(key)} key ${flags.out} (0600${encrypted ? ', AES-256 encrypted' : ''})`);
  return 0;
}
