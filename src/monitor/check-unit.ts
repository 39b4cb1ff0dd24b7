/**
 * What a check run is made of: its options, and units (one file, one store lineage, one endpoint address),
 * each run on its own and returning one target result. Also how a result is built, and the result of a unit
 * that could not be checked (a file gone is CRITICAL, anything else unreadable is UNKNOWN).
 */
import { CertkitError } from '../errors.js';
import { certFacts } from '../pki/facts.js';
import type { TrustStore } from '../pki/trust.js';
import type { ParsedCertificate } from '../pki/types.js';
import type { Store } from '../store/store.js';
import { worst } from './evaluate.js';
import type { RevocationRun } from './trust-findings.js';
import type { CheckPolicy, Finding, TargetResult } from './types.js';

export interface CheckOptions {
  policy: CheckPolicy;
  trust: TrustStore;
  store: Store | null;
  timeoutMs: number;
  concurrency: number;
  pinIp?: string;
  /** names every file's certificate must cover (check FILE --name) */
  names?: string[];
  /** online revocation (OCSP / CRL) of each leaf that names a responder or CRL (default on) */
  revocation?: RevocationRun;
  /** PKCS#12 password / key passphrase for the files checked (--password-file, CERTKIT_PASSWORD) */
  password?: string;
}

/** A target result before its duration is known (the runner adds durationMs). */
export type UnitResult = Omit<TargetResult, 'durationMs'>;

export interface Unit {
  label: string;
  kind: TargetResult['kind'];
  /** null: nothing to report (a file in a directory that is not certificate material, recorded as skipped) */
  run: () => Promise<UnitResult | null>;
}

export function result(
  label: string,
  kind: TargetResult['kind'],
  certs: ParsedCertificate[],
  findings: Finding[],
  now: Date,
  address?: string,
): UnitResult {
  const facts = certs.map((c) => certFacts(c, now));
  const leaf = facts[0];
  return {
    target: label,
    kind,
    address,
    status: worst(findings.map((f) => f.severity)),
    findings,
    certificates: facts,
    notAfter: leaf?.notAfter ?? null,
    daysLeft: leaf?.daysLeft ?? null,
  };
}

export const failed = (label: string, kind: TargetResult['kind'], finding: Finding, now: Date) =>
  result(label, kind, [], [finding], now);

/** A target that could not be checked at all: one finding, no certificate. */
export function failedUnit(
  label: string,
  kind: TargetResult['kind'],
  finding: Finding,
  o: CheckOptions,
  address?: string,
): Unit {
  return { label, kind, run: async () => result(label, kind, [], [finding], o.policy.now, address) };
}

/** One line: findings are table cells and Nagios text. */
export const messageOf = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').trim();

/** The finding for a file or directory that could not be read: gone is CRITICAL, anything else UNKNOWN. */
export function readFailure(path: string, err: unknown): Finding {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || /: no such file$/.test(messageOf(err)))
    return { id: 'missing', severity: 'CRITICAL', message: `${path}: no such file or directory` };
  if (code === 'EACCES' || code === 'EPERM')
    return { id: 'unreadable', severity: 'UNKNOWN', message: `${path}: permission denied` };
  // a password-protected file says how to give the password
  const hint =
    err instanceof CertkitError && /password/.test(err.message) && err.hint ? ` (${err.hint})` : '';
  const message = messageOf(err) + hint;
  return {
    id: 'unreadable',
    severity: 'UNKNOWN',
    message: message.startsWith(path) ? message : `${path}: ${message}`,
  };
}
