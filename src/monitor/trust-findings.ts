/**
 * Trust findings for check: the path validator's verdict (src/pki/path) turned into findings. Leaf expiry
 * is judged by expiryFinding (with its warning thresholds), so the validator's leaf-date problems are left
 * out here. A self-signed certificate (subject = issuer, signed by its own key, whatever its extensions)
 * that is not a trust anchor is `self-signed` (WARNING; CRITICAL with --strict; nothing when
 * --allow-self-signed matches) instead of a chain problem.
 */
import { validatePath } from '../pki/path/validate.js';
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
