/** Orders a set of certificates leaf-first and judges the chain: order, completeness, root, trust. */
import type { X509Certificate } from 'node:crypto';
import { formatDn, isSelfSigned, signedBy } from './facts.js';
import type { TrustStore } from './trust.js';
import type { ChainReport, ParsedCertificate } from './types.js';
import { validatePath } from './path/validate.js';

export function issued(child: X509Certificate, parent: X509Certificate): boolean {
  return child.issuer === parent.subject && signedBy(child, parent);
}

function dedupe(certs: ParsedCertificate[]): ParsedCertificate[] {
  const seen = new Set<string>();
  return certs.filter((c) => !seen.has(c.x509.fingerprint256) && !!seen.add(c.x509.fingerprint256));
}

function walk(from: ParsedCertificate, pool: ParsedCertificate[]): ParsedCertificate[] {
  const chain = [from];
  let current = from;
  while (!isSelfSigned(current.x509)) {
    const parent = pool.find((p) => !chain.includes(p) && issued(current.x509, p.x509));
    if (!parent) break;
    chain.push(parent);
    current = parent;
  }
  return chain;
}

function issuesOthers(c: ParsedCertificate, certs: ParsedCertificate[]): boolean {
  return certs.some((o) => o !== c && issued(o.x509, c.x509));
}

/** The end-entity (leaf) certificates of a set: not a CA, and issuing nothing else in the set. */
export function endEntities(input: ParsedCertificate[]): ParsedCertificate[] {
  const certs = dedupe(input);
  return certs.filter((c) => !c.x509.ca && !issuesOthers(c, certs));
}

/**
 * The certificates in leaf-first chain order, plus those that don't belong to the leaf's chain. The leaf is
 * `leaf` when given (one of the set, chosen by the caller), else the end-entity certificate with the longest chain.
 */
export function orderChain(
  input: ParsedCertificate[],
  leaf?: ParsedCertificate,
): {
  chain: ParsedCertificate[];
  unrelated: ParsedCertificate[];
} {
  const certs = dedupe(input);
  if (certs.length === 0) return { chain: [], unrelated: [] };
  const given = leaf && certs.find((c) => c.x509.fingerprint256 === leaf.x509.fingerprint256);
  // A leaf issues nothing else in the set. Prefer non-CA leaves, then the longest chain.
  let candidates = given ? [given] : certs.filter((c) => !issuesOthers(c, certs));
  if (candidates.length === 0) candidates = certs;
  const nonCa = candidates.filter((c) => !c.x509.ca);
  if (nonCa.length > 0) candidates = nonCa;
  let best: ParsedCertificate[] = [];
  for (const c of candidates) {
    const chain = walk(c, certs);
    if (chain.length > best.length) best = chain;
  }
  return { chain: best, unrelated: certs.filter((c) => !best.includes(c)) };
}

/** Order the certificates and judge the chain with the path validator at time `at` (no name check). */
export function analyseChain(input: ParsedCertificate[], trust: TrustStore, at: Date): ChainReport {
  const { chain, unrelated } = orderChain(input);
  const inputOrder = dedupe(input).filter((c) => chain.includes(c));
  const givenOrderWrong = inputOrder.some((c, i) => c !== chain[i]);
  const last = chain[chain.length - 1];
  const reachesSelfSignedRoot = !!last && isSelfSigned(last.x509);
  if (!chain[0])
    return {
      order: [],
      givenOrderWrong,
      reachesSelfSignedRoot,
      trusted: false,
      trustProblem: 'no certificate',
      problems: [],
      unrelated: [],
      missingIssuer: null,
    };
  const r = validatePath({
    leaf: chain[0],
    intermediates: [...chain.slice(1), ...unrelated],
    anchors: trust.anchors,
    at,
  });
  const stop = r.problems.find((p) => p.id === 'incomplete-chain');
  return {
    order: chain.map((c) => c.x509.fingerprint256),
    givenOrderWrong,
    reachesSelfSignedRoot,
    trusted: r.trusted,
    trustProblem: r.trusted ? null : r.problems.map((p) => p.message).join('; '),
    problems: r.problems.map((p) => ({ id: p.id, message: p.message })),
    unrelated: unrelated.map((c) => c.x509.fingerprint256),
    missingIssuer: stop ? formatDn(last?.x509.issuer) : null,
  };
}
