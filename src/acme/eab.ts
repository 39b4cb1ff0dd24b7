/** External account binding credentials (RFC 8555 §7.3.4): the kid from a flag, the HMAC key never from argv. */
import { readFile } from 'node:fs/promises';
import { CertkitError, usageError } from '../errors.js';

/** The EAB HMAC key: from --eab-hmac-key-file, else CERTKIT_EAB_HMAC_KEY (never from argv). */
export async function eabFromFlags(
  f: { eabKid?: string; eabHmacKeyFile?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ kid: string; hmacKey: string } | undefined> {
  const fromEnv = env.CERTKIT_EAB_HMAC_KEY?.trim();
  if (!f.eabKid) {
    if (f.eabHmacKeyFile) throw usageError('--eab-hmac-key-file needs --eab-kid');
    return undefined;
  }
  if (!f.eabHmacKeyFile && !fromEnv)
    throw usageError(
      'external account binding needs the HMAC key',
      'give --eab-hmac-key-file FILE or set CERTKIT_EAB_HMAC_KEY',
    );
  let hmacKey = fromEnv ?? '';
  if (f.eabHmacKeyFile) {
    try {
      hmacKey = (await readFile(f.eabHmacKeyFile, 'utf8')).trim();
    } catch (err) {
      throw new CertkitError(
        'input',
        `cannot read the EAB HMAC key file ${f.eabHmacKeyFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (!/^[A-Za-z0-9_\-+/=]+$/.test(hmacKey))
    throw new CertkitError(
      'input',
      'the EAB HMAC key is empty or not base64url',
      "copy it from the CA's dashboard",
    );
  return { kid: f.eabKid, hmacKey };
}
