/**
 * Installers that run after a certificate was issued or renewed. `request --install apache` runs the
 * installer and records its options in the lineage; `renew` replays every recorded installer.
 */
import { join } from 'node:path';
import { CertkitError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { InstallerRecord } from '../store/types.js';
import type { InstallerSpec } from '../config/schemas.js';

/** The one installer spec (flags -> record -> replay), declared with its schema in src/config/schemas.ts. */
export type { InstallerSpec } from '../config/schemas.js';

/** Where an installer's progress lines go (the CLI passes its progress printer). */
export type Progress = (line: string) => void;

export async function runInstaller(
  progress: Progress,
  store: Store,
  lineage: string,
  rec: InstallerRecord,
): Promise<unknown> {
  const settings = await store.requireLineage(lineage);
  const o = rec.options;
  const base = {
    lineage,
    names: settings.domains,
    fullchainPath: store.livePath(lineage, 'fullchain.pem'),
    keyPath: store.livePath(lineage, 'privkey.pem'),
  };
  const kind: string = rec.kind; // settings.json is data from disk: check it at run time
  if (kind === 'apache') {
    const { installApache } = await import('./apache/install.js');
    return installApache({
      ...base,
      ...o,
      backupRoot: join(store.root, 'backups'),
      onStep: (m) => progress(`  apache: ${m}`),
    });
  }
  if (kind === 'asterisk') {
    const { installAsterisk } = await import('./asterisk/install.js');
    return installAsterisk({
      ...base,
      ...o,
      backupRoot: join(store.root, 'backups'),
      onStep: (m: string) => progress(`  asterisk: ${m}`),
    });
  }
  throw new CertkitError('usage', `unknown installer "${kind}"`);
}

export async function recordInstaller(store: Store, lineage: string, rec: InstallerRecord): Promise<void> {
  await store.locked(async () => {
    const s = await store.requireLineage(lineage);
    const others = (s.installers ?? []).filter((i) => i.kind !== rec.kind);
    await store.writeSettings({ ...s, installers: [...others, rec] });
  });
}

export async function installAfterIssue(
  progress: Progress,
  store: Store,
  lineage: string,
  targets: string[],
  options: InstallerSpec,
): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const t of targets) {
    if (t !== 'apache' && t !== 'asterisk')
      throw new CertkitError('usage', `--install ${t}: certkit installs into apache or asterisk`);
    const rec: InstallerRecord = { kind: t, options };
    results.push({ kind: t, result: await runInstaller(progress, store, lineage, rec) });
    await recordInstaller(store, lineage, rec);
  }
  return results;
}

export async function runRecordedInstallers(
  progress: Progress,
  store: Store,
  lineage: string,
): Promise<void> {
  const s = await store.readSettings(lineage);
  for (const rec of s?.installers ?? []) await runInstaller(progress, store, lineage, rec);
}
