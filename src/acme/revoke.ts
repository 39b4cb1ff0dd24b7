/** Revocation with the account that issued the certificate. */
import { X509Certificate } from 'node:crypto';
import { CertkitError } from '../errors.js';
import type { Store } from '../store/store.js';
import { loadAccount } from './account.js';
import { AcmeClient, DEFAULT_DEADLINES, type Deadlines } from './client.js';

export const REVOCATION_REASONS: Record<string, number> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
};

export async function revokeLineage(
  store: Store,
  name: string,
  reason: string,
  deadlines: Deadlines = DEFAULT_DEADLINES,
): Promise<{ serial: string }> {
  const code = REVOCATION_REASONS[reason];
  if (code === undefined)
    throw new CertkitError(
      'usage',
      `unknown reason "${reason}"`,
      `use ${Object.keys(REVOCATION_REASONS).join(', ')}`,
    );
  const settings = await store.requireLineage(name);
  const a = settings.acme;
  if (!a)
    throw new CertkitError(
      'usage',
      `lineage "${name}" was not obtained over ACME`,
      'ask its CA to revoke it',
    );
  const live = await store.readLive(name);
  if (!live) throw new CertkitError('not-found', `lineage "${name}" has no live certificate`);
  const account = await loadAccount(store.root, a.directoryUrl);
  if (!account) throw new CertkitError('not-found', `no ACME account for ${a.directoryUrl} in the store`);
  const client = new AcmeClient({
    directoryUrl: a.directoryUrl,
    accountKeyPem: account.keyPem,
    accountUrl: account.record.url,
    deadlines,
  });
  await client.revoke(live.certPem, code);
  const serial = new X509Certificate(live.certPem).serialNumber;
  // recorded in the lineage so list, check store and renew know (the CA is not asked again)
  await store.locked(async () => {
    const s = await store.requireLineage(name);
    await store.writeSettings({ ...s, revoked: { serial, reason, at: new Date().toISOString() } });
  });
  return { serial };
}
