import { homedir } from 'node:os';
import { join } from 'node:path';

/** /etc/certkit for root, else $XDG_DATA_HOME/certkit or ~/.local/share/certkit. CERTKIT_STORE overrides. */
export function defaultStoreRoot(
  env: NodeJS.ProcessEnv = process.env,
  uid = process.getuid?.() ?? 1000,
): string {
  if (env.CERTKIT_STORE) return env.CERTKIT_STORE;
  if (uid === 0) return '/etc/certkit';
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'certkit');
}

export const LINEAGE_NAME = /^[A-Za-z0-9*][A-Za-z0-9._*-]{0,127}$/;

export function lineageNameFor(domain: string): string {
  return domain.replace(/^\*\./, 'wildcard.').replace(/[^A-Za-z0-9._-]/g, '_');
}
