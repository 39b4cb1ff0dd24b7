/** `certkit account show|register|rollover|deactivate`. */
import { CertkitError } from '../errors.js';
import {
  loadAccount,
  newAccountKeyPem,
  registerAccount,
  saveAccount,
  type AccountRecord,
  type RegisterOptions,
} from './account.js';
import { AcmeClient, DEFAULT_DEADLINES, type Deadlines } from './client.js';

/** The stored account for this CA, or exit 3 saying there is none (no network: dry runs use it too). */
export async function requireAccount(storeRoot: string, directoryUrl: string) {
  const acct = await loadAccount(storeRoot, directoryUrl);
  if (!acct)
    throw new CertkitError(
      'not-found',
      `no ACME account for ${directoryUrl} in the store`,
      'register with certkit account register --agree-tos',
    );
  return acct;
}

async function session(storeRoot: string, directoryUrl: string, deadlines: Deadlines) {
  const acct = await requireAccount(storeRoot, directoryUrl);
  return {
    acct,
    client: new AcmeClient({
      directoryUrl,
      accountKeyPem: acct.keyPem,
      accountUrl: acct.record.url,
      deadlines,
    }),
  };
}

export async function showAccount(
  storeRoot: string,
  directoryUrl: string,
  deadlines: Deadlines = DEFAULT_DEADLINES,
) {
  const local = await loadAccount(storeRoot, directoryUrl);
  const probe = new AcmeClient({
    directoryUrl,
    accountKeyPem: local?.keyPem ?? newAccountKeyPem(),
    accountUrl: local?.record.url,
    deadlines,
  });
  const dir = await probe.directory();
  const status = local ? (await probe.readAccount()).status : null;
  return {
    directoryUrl,
    termsOfService: dir.meta?.termsOfService ?? null,
    externalAccountRequired: !!dir.meta?.externalAccountRequired,
    ari: !!dir.renewalInfo,
    profiles: dir.meta?.profiles ? Object.keys(dir.meta.profiles) : [],
    account: local ? { ...local.record, status } : null,
  };
}

/** The store's live (not deactivated) account for this CA: `register` keeps it rather than replace its key. */
export async function liveAccount(storeRoot: string, directoryUrl: string): Promise<AccountRecord | null> {
  const acct = await loadAccount(storeRoot, directoryUrl);
  return acct && !acct.record.deactivatedAt ? acct.record : null;
}

export async function register(
  storeRoot: string,
  directoryUrl: string,
  opts: RegisterOptions,
): Promise<{ record: AccountRecord; alreadyRegistered: boolean }> {
  const existing = await liveAccount(storeRoot, directoryUrl);
  if (existing) return { record: existing, alreadyRegistered: true };
  return { record: (await registerAccount(storeRoot, directoryUrl, opts)).record, alreadyRegistered: false };
}

export async function rollover(
  storeRoot: string,
  directoryUrl: string,
  deadlines: Deadlines = DEFAULT_DEADLINES,
): Promise<AccountRecord> {
  const { acct, client } = await session(storeRoot, directoryUrl, deadlines);
  const newKey = newAccountKeyPem();
  await client.changeKey(newKey);
  await saveAccount(storeRoot, acct.record, newKey);
  return acct.record;
}

export async function deactivate(
  storeRoot: string,
  directoryUrl: string,
  deadlines: Deadlines = DEFAULT_DEADLINES,
): Promise<AccountRecord> {
  const { acct, client } = await session(storeRoot, directoryUrl, deadlines);
  await client.deactivateAccount();
  const record: AccountRecord = { ...acct.record, deactivatedAt: new Date().toISOString() };
  await saveAccount(storeRoot, record, acct.keyPem);
  return acct.record;
}
