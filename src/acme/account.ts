/**
 * ACME accounts, one per CA directory (and email), kept in <store>/accounts/<server-id>/:
 * account.json (URL, contact, directory) and account.key (0600).
 */
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertkitError, systemError } from '../errors.js';
import { AccountRecordSchema, parseJsonFile, type AccountRecord } from '../config/schemas.js';
import { ensureDir, writeFileAtomic, writeSecretAtomic } from '../util/fs-atomic.js';
import { AcmeClient, type Deadlines } from './client.js';
import { serverId } from './servers.js';

export type { AccountRecord } from '../config/schemas.js';

export interface RegisterOptions {
  email?: string;
  agreeTos: boolean;
  eab?: { kid: string; hmacKey: string };
  deadlines?: Deadlines;
  /** a saved account that was deactivated is replaced by a new one (request, whose terms were just agreed) */
  replaceDeactivated?: boolean;
}

export function accountDir(storeRoot: string, directoryUrl: string): string {
  return join(storeRoot, 'accounts', serverId(directoryUrl));
}

export function newAccountKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export async function loadAccount(
  storeRoot: string,
  directoryUrl: string,
): Promise<{ record: AccountRecord; keyPem: string } | null> {
  const dir = accountDir(storeRoot, directoryUrl);
  try {
    const file = join(dir, 'account.json');
    const record = parseJsonFile(AccountRecordSchema, await readFile(file, 'utf8'), file);
    const keyPem = await readFile(join(dir, 'account.key'), 'utf8');
    createPrivateKey(keyPem);
    return { record, keyPem };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    const sys = systemError(err);
    if (sys) throw sys;
    throw new CertkitError(
      'input',
      `the ACME account in ${dir} is damaged: ${(err as Error).message}`,
      'move it aside and register again',
    );
  }
}

export async function saveAccount(storeRoot: string, record: AccountRecord, keyPem: string): Promise<void> {
  const dir = accountDir(storeRoot, record.directoryUrl);
  await ensureDir(dir);
  await writeSecretAtomic(join(dir, 'account.key'), keyPem);
  await writeFileAtomic(join(dir, 'account.json'), JSON.stringify(record, null, 2) + '\n', 0o600);
}

/** Registering needs the CA's terms accepted (--agree-tos): checked before any network call, dry runs too. */
export function requireTermsAccepted(agreeTos: boolean | undefined): void {
  if (!agreeTos)
    throw new CertkitError(
      'usage',
      "the CA's terms of service must be accepted to register",
      'read them (certkit account show --server ...) and add --agree-tos',
    );
}

/** Registers a new account (or finds the existing one for this key) and saves it. */
export async function registerAccount(
  storeRoot: string,
  directoryUrl: string,
  opts: RegisterOptions,
  keyPem = newAccountKeyPem(),
) {
  requireTermsAccepted(opts.agreeTos);
  const client = new AcmeClient({
    directoryUrl,
    accountKeyPem: keyPem,
    eab: opts.eab,
    deadlines: opts.deadlines,
  });
  const dir = await client.directory();
  if (dir.meta?.externalAccountRequired && !opts.eab) {
    throw new CertkitError(
      'usage',
      'this CA requires external account binding',
      "give --eab-kid and --eab-hmac-key-file from the CA's dashboard",
    );
  }
  const contact = opts.email ? [`mailto:${opts.email}`] : [];
  const account = await client.createAccount({ termsOfServiceAgreed: true, contact });
  const record: AccountRecord = {
    directoryUrl,
    url: account.url,
    contact,
    createdAt: new Date().toISOString(),
  };
  await saveAccount(storeRoot, record, keyPem);
  return { record, keyPem, client };
}

/**
 * The saved account for this CA, registering one when there is none. A deactivated account can do nothing: it
 * is replaced when opts.replaceDeactivated says so, else refused in one line naming the way out (the CA's own
 * "account has been deactivated" came after a challenge server had started, with no hint).
 */
export async function ensureAccount(
  storeRoot: string,
  directoryUrl: string,
  opts: RegisterOptions,
): Promise<{ record: AccountRecord; client: AcmeClient }> {
  const existing = await loadAccount(storeRoot, directoryUrl);
  if (existing?.record.deactivatedAt && !opts.replaceDeactivated)
    throw new CertkitError(
      'usage',
      `the ACME account for ${directoryUrl} was deactivated (${existing.record.deactivatedAt})`,
      `register a new one: certkit account register --server ${directoryUrl} --agree-tos`,
    );
  if (existing && !existing.record.deactivatedAt) {
    return {
      record: existing.record,
      client: new AcmeClient({
        directoryUrl,
        accountKeyPem: existing.keyPem,
        accountUrl: existing.record.url,
        deadlines: opts.deadlines,
      }),
    };
  }
  const { record, client } = await registerAccount(storeRoot, directoryUrl, opts);
  return { record, client };
}
