export type LineageSource = 'acme' | 'imported' | 'self-signed' | 'pending-csr';

export interface InstallerRecord {
  kind: 'apache' | 'asterisk';
  options: Record<string, unknown>;
}

/** settings.json of a lineage: how it was obtained, how to renew it and how to deploy it. */
export interface LineageSettings {
  schemaVersion: 1;
  name: string;
  source: LineageSource;
  domains: string[];
  createdAt: string;
  updatedAt: string;
  keyType?: string;
  /** for ACME lineages: everything `certkit renew` needs to run unattended */
  acme?: Record<string, unknown>;
  deployHook?: string;
  installers?: InstallerRecord[];
  /** for pending CSRs: when the CSR was made and what it asked for */
  pending?: { createdAt: string; csrFile: string; keyFile: string; publicKeyId: string; product?: string };
  keepVersions?: number;
}

export interface VersionFiles {
  certPem: string;
  chainPem: string;
  keyPem: string;
}

export const LIVE_FILES = ['cert.pem', 'chain.pem', 'fullchain.pem', 'privkey.pem'] as const;
