/**
 * Trust findings for check: the path validator's verdict (src/pki/path) turned into findings. Leaf expiry
 * is judged by expiryFinding (with its warning thresholds), so the validator's leaf-date problems are left
 * out here. A self-signed certificate (subject = issuer, signed by its own key, whatever its extensions)
 * that is not a trust anchor is `self-signed` (WARNING; CRITICAL with --strict; nothing when
 * --allow-self-signed matches) instead of a chain problem.
 */
import type { X509Certificate } from 'node:crypto';
import type { Crl } from '../pki/path/crl.js';
import { validatePath } from '../pki/path/validate.js';
import { certInfo } from '../pki/path/anchors.js';
import { checkRevocation, type FetchBytes } from '../pki/revocation/check.js';
import type { Problem } from '../pki/path/types.js';
import type { TrustStore } from '../pki/trust.js';
import { globToRegex, type ChainFacts } from './evaluate.js';
import type { CheckPolicy, Finding, Severity } from './types.js';

/** What still matters about a self-signed certificate once "nobody vouches for it" is said. */
const SELF_SIGNED_KEEP = new Set<Problem['id']>([
  'hostname-mismatch',
  'weak-key',
  'weak-signature',
  'revoked',
  'revocation-unknown',
]);

function severityOf(p: Problem): Severity {
  return p.id === 'revocation-unknown' ? 'WARNING' : 'CRITICAL';
}

export function trustFindings(c: ChainFacts, trust: TrustStore, p: CheckPolicy): Finding[] {
  const [leaf, ...rest] = c.ordered;
  if (!leaf) return [];
  const others = c.given.filter((g) => g !== leaf && !rest.includes(g));
  const names = [...(c.hostname ? [c.hostname] : []), ...(c.names ?? [])];
  const r = validatePath({
    leaf: leaf.x509,
    intermediates: [...rest, ...others].map((g) => g.x509),
    anchors: trust.anchors,
    names,
    at: p.now,
    purpose: 'server',
  });
  if (r.trusted) return [];
  const leafDate = (q: Problem) => (q.id === 'expired' || q.id === 'not-yet-valid') && q.at === 0;
  if (r.selfSigned && !r.anchored) {
    const exempt = p.allowSelfSigned.some(
      (pat) => globToRegex(pat).test(c.label) || (c.hostname && globToRegex(pat).test(c.hostname)),
    );
    const f: Finding[] = exempt
      ? []
      : [
          {
            id: 'self-signed',
            severity: p.strict ? 'CRITICAL' : 'WARNING',
            message: 'self-signed certificate (not issued by a trusted CA)',
          },
        ];
    for (const q of r.problems)
      if (SELF_SIGNED_KEEP.has(q.id)) f.push({ id: q.id, severity: severityOf(q), message: q.message });
    return f;
  }
  return r.problems
    .filter((q) => !leafDate(q))
    .map((q) => ({ id: q.id, severity: severityOf(q), message: q.message }));
}

/** Does the certificate name an OCSP responder or a CRL (nothing to ask otherwise)? Parsed once per run. */
export function namesRevocationSource(x509: X509Certificate): boolean {
  try {
    const c = certInfo(x509);
    return c.ocspUrls.length > 0 || c.crlUrls.length > 0;
  } catch {
    return false;
  }
}

export interface RevocationRun {
  enabled: boolean;
  /** CRLs fetched once per run */
  crlCache: Map<string, Promise<Crl>>;
  fetchBytes?: FetchBytes;
}

/**
 * Online revocation of the leaf (OCSP, else its CRL): `revoked` is CRITICAL, a responder or CRL that can't
 * be reached or used is WARNING `revocation-unknown` — never a false CRITICAL.
 */
export async function revocationFindings(
  leaf: X509Certificate | undefined,
  others: X509Certificate[],
  trust: TrustStore,
  p: CheckPolicy,
  run: RevocationRun,
): Promise<Finding[]> {
  if (!run.enabled || !leaf) return [];
  const r = validatePath({ leaf, intermediates: others, anchors: trust.anchors, at: p.now });
  const problems = await checkRevocation(r.path, {
    at: p.now,
    cache: run.crlCache,
    fetchBytes: run.fetchBytes,
  });
  return problems.map((q) => ({ id: q.id, severity: severityOf(q), message: q.message }));
}
