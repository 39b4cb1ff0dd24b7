/**
 * From collected facts to findings: pure, with "now" and the thresholds as inputs.
 * Expiry uses days (default 30/7), or for certificates shorter than 30 days a third and a sixth of the
 * lifetime, so 6-day certificates don't live permanently in WARNING.
 */
import type { X509Certificate } from 'node:crypto';
import { daysLeft, isSelfSigned } from '../pki/facts.js';
import { issued } from '../pki/chain.js';
import type { TrustStore } from '../pki/trust.js';
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
  if (left <= 0)
    return {
      id: 'expired',
      severity: 'CRITICAL',
      message: `expired ${-days} day(s) ago (${notAfter.toISOString()})`,
    };
  const { warnMs, critMs } = expiryThresholdsMs(notBefore, notAfter, p);
  const when = `expires in ${days} day(s)${left < 2 * DAY ? ` ${Math.floor((left % DAY) / 3_600_000)} h` : ''} (${notAfter.toISOString()})`;
  if (left <= critMs) return { id: 'expiring', severity: 'CRITICAL', message: when };
  if (left <= warnMs) return { id: 'expiring', severity: 'WARNING', message: when };
  return null;
}

function globToRegex(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\[\]]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
}

const WEAK_SIG = /md5|sha1With|ecdsa-with-SHA1/i;

export interface ChainFacts {
  /** certificates in the order found (served or in the file) */
  given: { x509: X509Certificate; signatureAlgorithm: string }[];
  /** leaf-first order */
  ordered: { x509: X509Certificate; signatureAlgorithm: string }[];
  hostname?: string;
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
  for (const ca of c.ordered.slice(1)) {
    const e = new Date(ca.x509.validTo);
    if (e.getTime() <= p.now.getTime())
      f.push({
        id: 'expired',
        severity: 'CRITICAL',
        message: `chain certificate "${ca.x509.subject.split('\n').join(', ')}" expired ${e.toISOString()}`,
      });
  }
  // trust
  if (isSelfSigned(x)) {
    const exempt = p.allowSelfSigned.some(
      (pat) => globToRegex(pat).test(c.label) || (c.hostname && globToRegex(pat).test(c.hostname)),
    );
    if (!exempt && !trust.isAnchor(x))
      f.push({
        id: 'self-signed',
        severity: p.strict ? 'CRITICAL' : 'WARNING',
        message: 'self-signed certificate',
      });
  } else {
    const last = c.ordered[c.ordered.length - 1]!.x509;
    const anchored = c.ordered.some((o) => trust.isAnchor(o.x509)) || !!trust.issuerOf(last);
    if (!anchored) {
      if (isSelfSigned(last))
        f.push({
          id: 'untrusted',
          severity: 'CRITICAL',
          message: `the root "${last.subject.split('\n').join(', ')}" is not trusted (system roots and --ca-file)`,
        });
      else
        f.push({
          id: 'incomplete-chain',
          severity: 'CRITICAL',
          message: `the chain stops at "${last.subject.split('\n').join(', ')}": its issuer "${last.issuer.split('\n').join(', ')}" is not served and not a trusted root`,
        });
    }
  }
  // order: every certificate must be followed by its issuer
  const givenChain = c.given.filter((g) => c.ordered.includes(g));
  if (givenChain.some((g, i) => g !== c.ordered[i]) || c.given.length !== givenChain.length) {
    f.push({
      id: 'chain-order',
      severity: 'WARNING',
      message: 'the chain is not in leaf-first order (or holds unrelated certificates)',
    });
  }
  if (c.hostname) {
    const ok = /^[\d.]+$|:/.test(c.hostname) ? x.checkIP(c.hostname) : x.checkHost(c.hostname);
    if (!ok)
      f.push({
        id: 'hostname-mismatch',
        severity: 'CRITICAL',
        message: `the certificate does not cover ${c.hostname}`,
      });
  }
  // weak signatures: not on a self-signed root (its self-signature is not checked by anyone)
  for (const cert of c.ordered) {
    if (isSelfSigned(cert.x509) && cert !== leaf) continue;
    if (WEAK_SIG.test(cert.signatureAlgorithm)) {
      f.push({
        id: 'weak-signature',
        severity: 'CRITICAL',
        message: `${cert === leaf ? 'the certificate' : `"${cert.x509.subject.split('\n').join(', ')}"`} is signed with ${cert.signatureAlgorithm}`,
      });
    }
  }
  const d = x.publicKey.asymmetricKeyDetails ?? {};
  if (x.publicKey.asymmetricKeyType === 'rsa' && (d.modulusLength ?? 0) < 2048)
    f.push({
      id: 'weak-key',
      severity: 'CRITICAL',
      message: `RSA ${d.modulusLength}-bit key (at least 2048 needed)`,
    });
  if (
    x.publicKey.asymmetricKeyType === 'ec' &&
    !['prime256v1', 'secp384r1', 'secp521r1'].includes(d.namedCurve ?? '')
  )
    f.push({ id: 'weak-key', severity: 'CRITICAL', message: `EC curve ${d.namedCurve} is below 256 bits` });
  void issued;
  return f;
}
