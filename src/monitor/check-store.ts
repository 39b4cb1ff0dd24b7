/**
 * The "store" target expanded into units: one per lineage (pending CSRs left out), each judging the live
 * certificate with its key compared, a revocation made with certkit revoke said, and broken renewal
 * settings reported as a warning (renew would not renew that lineage).
 */
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { keyMatchesCertificate } from '../pki/keys.js';
import { readMaterial } from '../pki/read.js';
import type { Store } from '../store/store.js';
import type { Finding } from './types.js';
import { judge, revocation } from './check-judge.js';
import { failedUnit, messageOf, readFailure, result, type CheckOptions, type Unit } from './check-unit.js';

export async function storeUnits(o: CheckOptions): Promise<Unit[]> {
  const store = o.store;
  if (!store) return [];
  let names: string[];
  try {
    names = await store.names();
  } catch (err) {
    return [failedUnit('store', 'store', readFailure(store.root, err), o)];
  }
  const units: Unit[] = [];
  for (const name of names) {
    const label = `store:${name}`;
    // a lineage without readable renewal settings is never renewed: said, and its certificate still checked
    const settingsFile = join(store.lineageDir(name), 'settings.json');
    const broken = (why: string): Finding => ({
      id: 'settings-broken',
      severity: 'WARNING',
      message: `${why} (renew will not renew this lineage until it is fixed)`,
    });
    let settingsFinding: Finding | null = null;
    let settings: Awaited<ReturnType<Store['readSettings']>> = null;
    try {
      settings = await store.readSettings(name);
      if (settings === null) settingsFinding = broken(`${settingsFile}: missing`);
    } catch (err) {
      const why = messageOf(err);
      settingsFinding = broken(why.includes(settingsFile) ? why : `${settingsFile}: ${why}`);
    }
    if (settings?.source === 'pending-csr') continue;
    units.push({
      label,
      kind: 'store',
      run: async () => {
        const live = await store.readLive(name);
        if (!live)
          return result(
            label,
            'store',
            [],
            [
              { id: 'unreadable', severity: 'UNKNOWN', message: 'no live version' },
              ...(settingsFinding ? [settingsFinding] : []),
            ],
            o.policy.now,
          );
        const m = await readMaterial(Buffer.from(live.fullchainPem), store.livePath(name, 'fullchain.pem'));
        const extra: Finding[] = settingsFinding ? [settingsFinding] : [];
        // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the store only makes live versions holding a certificate (Store.verifyVersion)
        const leaf = m.certificates[0]!;
        const keyPath = store.livePath(name, 'privkey.pem');
        let key;
        try {
          key = createPrivateKey(live.keyPem);
        } catch (err) {
          extra.push({
            id: 'unreadable',
            severity: 'UNKNOWN',
            message: `${keyPath}: damaged private key (${messageOf(err)})`,
          });
        }
        if (key && !keyMatchesCertificate(key, leaf.x509))
          extra.push({
            id: 'key-mismatch',
            severity: 'CRITICAL',
            message: `the lineage's key ${keyPath} does not match its certificate`,
          });
        const revokedHere = settings?.revoked;
        if (revokedHere && revokedHere.serial === m.certificates[0]?.x509.serialNumber)
          extra.push({
            id: 'revoked',
            severity: 'CRITICAL',
            message: `revoked with certkit revoke on ${revokedHere.at} (${revokedHere.reason}); renew it`,
          });
        else extra.push(...(await revocation(m.certificates, o)));
        return judge(label, 'store', m.certificates, o, undefined, extra);
      },
    });
  }
  return units;
}
