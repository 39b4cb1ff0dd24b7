/**
 * Judges the certificates a unit found (in a file, a lineage, or served by an endpoint): the chain is ordered
 * and evaluated (trust, validity, names, weak algorithms), the leaf's online revocation looked up, and the
 * findings the unit already has added, into one result.
 */
import { signatureAlgorithmOf } from '../pki/der.js';
import { orderChain } from '../pki/chain.js';
import type { ParsedCertificate } from '../pki/types.js';
import { evaluateChain } from './evaluate.js';
import { namesRevocationSource, revocationFindings } from './trust-findings.js';
import type { Finding, TargetResult } from './types.js';
import { result, type CheckOptions } from './check-unit.js';

function withSig(c: ParsedCertificate) {
  let signatureAlgorithm = 'unknown';
  try {
    signatureAlgorithm = signatureAlgorithmOf(c.der);
  } catch {
    /* unknown */
  }
  return { x509: c.x509, signatureAlgorithm, parsed: c };
}

/** Online revocation of the leaf (trust's part, src/monitor/trust-findings.ts). */
export async function revocation(certs: ParsedCertificate[], o: CheckOptions): Promise<Finding[]> {
  if (!o.revocation?.enabled || !certs.some((c) => namesRevocationSource(c.x509))) return [];
  const { chain, unrelated } = orderChain(certs);
  const others = [...chain.slice(1), ...unrelated].map((c) => c.x509);
  return revocationFindings(chain[0]?.x509, others, o.trust, o.policy, o.revocation);
}

export function judge(
  label: string,
  kind: TargetResult['kind'],
  given: ParsedCertificate[],
  o: CheckOptions,
  hostname?: string,
  extra: Finding[] = [],
  address?: string,
  orderKnown = true,
) {
  const { chain } = orderChain(given);
  const g = given.map(withSig);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- orderChain returns certificates taken from the given list
  const ordered = chain.map((c) => g.find((x) => x.parsed === c)!);
  let findings = [
    ...evaluateChain(
      {
        given: orderKnown ? g : ordered,
        ordered,
        hostname,
        names: kind === 'file' ? o.names : undefined,
        label,
      },
      o.trust,
      o.policy,
    ),
    ...extra,
  ];
  // a lone certificate in a file (cert.pem beside chain.pem, a CA file) can't be judged for completeness
  if (kind === 'file' && chain.length === 1) findings = findings.filter((f) => f.id !== 'incomplete-chain');
  return result(label, kind, chain, findings, o.policy.now, address);
}
