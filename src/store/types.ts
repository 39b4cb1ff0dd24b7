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
  /** stores before pendingOrders: the one pending CSR (read as order "1", see store/pending.ts) */
  pending?: { createdAt: string; csrFile: string; keyFile: string; publicKeyId: string; product?: string };
  /** CSRs sent to a CA whose certificates have not arrived yet, oldest first */
  pendingOrders?: PendingOrder[];
  keepVersions?: number;
}

export interface VersionFiles {
  certPem: string;
  chainPem: string;
  keyPem: string;
}

export const LIVE_FILES = ['cert.pem', 'chain.pem', 'fullchain.pem', 'privkey.pem'] as const;

/** One CSR waiting for its certificate: when it was made, what it asked for, where its key is. */
export interface PendingOrder {
  id: string;
  createdAt: string;
  names: string[];
  csrFile: string;
  keyFile: string;
  publicKeyId: string;
  product?: string;
}
