import type { Severity } from '../monitor/types.js';
import type { BindScope, Transport } from './sockets.js';
import type { Speaks } from './identify.js';

export type ExposureId =
  | 'plaintext-exposed'
  | 'no-https-redirect'
  | 'admin-without-auth'
  | 'unmanaged-certificate'
  | 'tls-old-protocols'
  | 'weak-ciphers';

export interface AuditFinding {
  /** an exposure id above, or any id `certkit check` gives (expired, self-signed, hostname-mismatch, ...) */
  id: string;
  severity: Severity;
  message: string;
  /** the certkit command that fixes it, where certkit has one */
  fix?: string;
}

export interface PortCertificate {
  fingerprint256: string;
  subject: string;
  issuer: string;
  names: string[];
  notAfter: string;
  /** the store lineage whose live certificate this is, or null: unmanaged */
  lineage: string | null;
}

export interface PortReport {
  transport: Transport;
  address: string;
  port: number;
  /** loopback / all / address; "remote" in --remote mode */
  scope: BindScope | 'remote';
  process?: { pid: number; name: string };
  speaks: Speaks;
  starttls?: boolean;
  banner?: string;
  /** "apache www.example.com (/etc/apache2/sites-enabled/x.conf:1)", "asterisk manager (...)", a process */
  origin: string;
  originKind: 'apache' | 'asterisk' | 'process' | 'unknown';
  /** Apache vhost locations for this port, when Apache configured it */
  vhosts?: { file: string; line: number; names: string[] }[];
  asteriskPart?: string;
  tlsProtocol?: string | null;
  /** HTTP(S): what each name answered: GET / (does it redirect to https?) and each admin path (is there a 401?) */
  httpAnswers?: { name: string; path: string; status: number; location?: string; authRequired: boolean }[];
  certificate?: PortCertificate;
  status: Severity;
  findings: AuditFinding[];
}

export interface AuditReport {
  schemaVersion: 1;
  generatedAt: string;
  host: string;
  mode: 'local' | 'remote';
  status: Severity;
  exitCode: number;
  counts: Record<Severity, number>;
  ports: PortReport[];
}
