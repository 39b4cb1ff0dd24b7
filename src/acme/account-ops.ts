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
import { AcmeSession } from './client.js';

async function session(storeRoot: string, directoryUrl: string) {
  const acct = await loadAccount(storeRoot, directoryUrl);
  if (!acct)
    throw new CertkitError(
      'not-found',
      `no ACME account for ${directoryUrl} in the store`,
      'register with certkit account register --agree-tos',
    );
  return {
    acct,
    session: new AcmeSession({ directoryUrl, accountKeyPem: acct.keyPem, accountUrl: acct.record.url }),
  };
}

export async function showAccount(storeRoot: string, directoryUrl: string) {
  const local = await loadAccount(storeRoot, directoryUrl);
  const probe = new AcmeSession({
    directoryUrl,
    accountKeyPem: local?.keyPem ?? newAccountKeyPem(),
    accountUrl: local?.record.url,
  });
  const dir = await probe.directory();
  let status: string | null = null;
  if (local) {
    const remote = (await probe.call('reading the account', () => probe.client.updateAccount({}))) as {
      status?: string;
    };
    status = remote.status ?? null;
  }
  return {
    directoryUrl,
    termsOfService: dir.meta?.termsOfService ?? null,
    externalAccountRequired: !!dir.meta?.externalAccountRequired,
    ari: !!dir.renewalInfo,
    profiles: dir.meta?.profiles ? Object.keys(dir.meta.profiles) : [],
    account: local ? { ...local.record, status } : null,
  };
}

export async function register(
  storeRoot: string,
  directoryUrl: string,
  opts: RegisterOptions,
): Promise<AccountRecord> {
  return (await registerAccount(storeRoot, directoryUrl, opts)).record;
}

export async function rollover(storeRoot: string, directoryUrl: string): Promise<AccountRecord> {
  const { acct, session: s } = await session(storeRoot, directoryUrl);
  const newKey = newAccountKeyPem();
  await s.call('rolling over the account key', () => s.client.updateAccountKey(newKey));
  await saveAccount(storeRoot, acct.record, newKey);
  return acct.record;
}

export async function deactivate(storeRoot: string, directoryUrl: string): Promise<AccountRecord> {
  const { acct, session: s } = await session(storeRoot, directoryUrl);
  await s.call('deactivating the account', () => s.client.updateAccount({ status: 'deactivated' } as never));
  await saveAccount(
    storeRoot,
    { ...acct.record, deactivatedAt: new Date().toISOString() } as AccountRecord,
    acct.keyPem,
  );
  return acct.record;
}
