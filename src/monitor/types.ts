import type { CertFacts } from '../pki/types.js';

export type Severity = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export const SEVERITY_RANK: Record<Severity, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };
/** Nagios/Icinga exit codes */
export const EXIT_FOR: Record<Severity, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

export type FindingId =
  | 'expired'
  | 'expiring'
  | 'not-yet-valid'
  | 'self-signed'
  | 'untrusted'
  | 'incomplete-chain'
  | 'chain-order'
  | 'hostname-mismatch'
  | 'weak-signature'
  | 'weak-key'
  | 'key-mismatch'
  | 'served-differs'
  | 'unreachable'
  | 'handshake-failed'
  | 'timeout'
  | 'unreadable';

export interface Finding {
  id: FindingId;
  severity: Severity;
  message: string;
}

export interface TargetResult {
  /** what the user asked for: a path, "store:<lineage>", or host:port */
  target: string;
  kind: 'file' | 'store' | 'endpoint';
  /** for endpoints: the IP address that was checked */
  address?: string;
  status: Severity;
  findings: Finding[];
  /** the chain as found (served or on disk), leaf first where it could be ordered */
  certificates: CertFacts[];
  notAfter: string | null;
  daysLeft: number | null;
  durationMs: number;
}

export interface CheckReport {
  schemaVersion: 1;
  generatedAt: string;
  status: Severity;
  exitCode: number;
  counts: Record<Severity, number>;
  skipped: { path: string; reason: string }[];
  targets: TargetResult[];
}

export interface CheckPolicy {
  warnDays: number;
  critDays: number;
  strict: boolean;
  allowSelfSigned: string[];
  now: Date;
}
