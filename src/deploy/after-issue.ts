/** Installers that run after a certificate was issued or renewed (recorded per lineage). */
import { CertkitError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Context } from '../cli/context.js';

export async function installAfterIssue(_ctx: Context, _store: Store, _lineage: string, targets: string[]): Promise<unknown[]> {
  throw new CertkitError('usage', `--install ${targets.join(',')} is not available yet`);
}

export async function runRecordedInstallers(_ctx: Context, store: Store, lineage: string): Promise<void> {
  const s = await store.readSettings(lineage);
  if (s?.installers?.length) throw new CertkitError('deploy', `installers for "${lineage}" are not available yet`);
}
