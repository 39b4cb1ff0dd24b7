/** settings.json of a lineage and its parts: declared (and validated) in src/config/schemas.ts. */
export type {
  InstallerRecord,
  LineageSettings,
  LineageSource,
  DeployDebt,
  PendingOrder,
} from '../config/schemas.js';

export interface VersionFiles {
  certPem: string;
  chainPem: string;
  keyPem: string;
}

export const LIVE_FILES = ['cert.pem', 'chain.pem', 'fullchain.pem', 'privkey.pem'] as const;
