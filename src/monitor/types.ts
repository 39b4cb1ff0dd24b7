import type { CertFacts } from '../pki/types.js';
import type { ProblemId } from '../pki/path/types.js';

export type Severity = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
/** How bad, for the aggregate: CRITICAL > WARNING > UNKNOWN > OK (the Nagios/Icinga rule for several targets). */
export const SEVERITY_RANK: Record<Severity, number> = { OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3 };
/** Nagios/Icinga exit codes (also the value of the certkit_*_status metrics) */
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
  /** the file is gone (CRITICAL: whatever serves it will fail too) */
  | 'missing'
  /** could not be read or parsed: permission, not a regular file, too large, damaged, password-protected */
  | 'unreadable'
  /** the target itself is not valid (neither a path, "store", nor host[:port]) */
  | 'bad-target'
  /** a store lineage whose settings.json is missing or unreadable: renew will not renew it */
  | 'settings-broken'
  /** trust problems from the path validator (docs/trust.md) */
  | ProblemId;

/** Findings that mean "certkit could not check this target" (certkit_check_error in the metrics). */
export const CHECK_ERROR_IDS: ReadonlySet<FindingId> = new Set(['missing', 'unreadable', 'bad-target']);

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
