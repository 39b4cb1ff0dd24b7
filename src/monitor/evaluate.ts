/**
 * From collected facts to findings: pure, with "now" and the thresholds as inputs.
 * Expiry uses days (default 30/7), or for certificates shorter than 30 days a third and a sixth of the
 * lifetime, so 6-day certificates don't live permanently in WARNING.
 */
import type { X509Certificate } from 'node:crypto';
import { daysLeft } from '../pki/facts.js';
import type { TrustStore } from '../pki/trust.js';
import { trustFindings } from './trust-findings.js';
import type { CheckPolicy, Finding, Severity } from './types.js';
import { SEVERITY_RANK } from './types.js';

const DAY = 86_400_000;

export function worst(severities: Severity[]): Severity {
  return severities.reduce<Severity>((a, b) => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a), 'OK');
}

/**
 * The WARNING and CRITICAL points, in ms before notAfter: the policy's days, or for certificates living less than
 * 30 days a third and a sixth of the lifetime. One place, used by the finding and by the Nagios thresholds.
 */
export function expiryThresholdsMs(
  notBefore: Date,
  notAfter: Date,
  p: Pick<CheckPolicy, 'warnDays' | 'critDays'>,
): { warnMs: number; critMs: number } {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  return lifetime < 30 * DAY
    ? { warnMs: lifetime / 3, critMs: lifetime / 6 }
    : { warnMs: p.warnDays * DAY, critMs: p.critDays * DAY };
}

export function expiryFinding(notBefore: Date, notAfter: Date, p: CheckPolicy): Finding | null {
  const left = notAfter.getTime() - p.now.getTime();
  // the same whole days as the DAYS column and the JSON's daysLeft (rounded down), hours when it is close
  const days = daysLeft(notAfter, p.now);
  if (left <= 0) {
    // whole days elapsed (10.004 days ago is "10 day(s) ago"; DAYS shows -11: the day it is in)
    const ago = -left;
    const hours = ago < 2 * DAY ? ` ${Math.floor((ago % DAY) / 3_600_000)} h` : '';
    return {
      id: 'expired',
      severity: 'CRITICAL',
      message: `expired ${Math.floor(ago / DAY)} day(s)${hours} ago (${notAfter.toISOString()})`,
    };
  }
  const { warnMs, critMs } = expiryThresholdsMs(notBefore, notAfter, p);
  const when = `expires in ${days} day(s)${left < 2 * DAY ? ` ${Math.floor((left % DAY) / 3_600_000)} h` : ''} (${notAfter.toISOString()})`;
  if (left <= critMs) return { id: 'expiring', severity: 'CRITICAL', message: when };
  if (left <= warnMs) return { id: 'expiring', severity: 'WARNING', message: when };
  return null;
}

export function globToRegex(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\[\]]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
}

export interface ChainFacts {
  /** certificates in the order found (served or in the file) */
  given: { x509: X509Certificate; signatureAlgorithm: string }[];
  /** leaf-first order */
  ordered: { x509: X509Certificate; signatureAlgorithm: string }[];
  hostname?: string;
  /** names a file's certificate must cover (check FILE --name) */
  names?: string[];
  /** the target name, for --allow-self-signed patterns */
  label: string;
}

export function evaluateChain(c: ChainFacts, trust: TrustStore, p: CheckPolicy): Finding[] {
  const f: Finding[] = [];
  const leaf = c.ordered[0];
  if (!leaf) return [{ id: 'unreadable', severity: 'UNKNOWN', message: 'no certificate' }];
  const x = leaf.x509;
  const notBefore = new Date(x.validFrom);
  const notAfter = new Date(x.validTo);
  if (notBefore.getTime() > p.now.getTime())
    f.push({
      id: 'not-yet-valid',
      severity: 'CRITICAL',
      message: `not valid before ${notBefore.toISOString()}`,
    });
  const exp = expiryFinding(notBefore, notAfter, p);
  if (exp) f.push(exp);
  f.push(...trustFindings(c, trust, p));
  // order: every certificate must be followed by its issuer
  const givenChain = c.given.filter((g) => c.ordered.includes(g));
  if (givenChain.some((g, i) => g !== c.ordered[i]) || c.given.length !== givenChain.length) {
    f.push({
      id: 'chain-order',
      severity: 'WARNING',
      message: 'the chain is not in leaf-first order (or holds unrelated certificates)',
    });
  }
  return f;
}
