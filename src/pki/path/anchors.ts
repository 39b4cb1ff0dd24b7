/** Turning inputs into parsed certificates, and a set of trust anchors indexed by subject. */
import { X509Certificate } from 'node:crypto';
import { parseCertificate, type CertInfo } from './cert.js';
import type { AnchorSet, CertInput } from './types.js';

const parsed = new WeakMap<object, CertInfo>();

/** Parse (once per input object) a certificate given as node X509Certificate, DER bytes or {der}. */
export function certInfo(input: CertInput): CertInfo {
  const hit = parsed.get(input);
  if (hit) return hit;
  const info =
    input instanceof X509Certificate
      ? parseCertificate(input.raw, input)
      : parseCertificate(
          input instanceof Uint8Array ? input : input.der,
          'x509' in input ? input.x509 : undefined,
        );
  parsed.set(input, info);
  return info;
}

function indexBySubject(certs: CertInfo[]): Map<string, CertInfo[]> {
  const map = new Map<string, CertInfo[]>();
  for (const c of certs) {
    const list = map.get(c.subjectKey) ?? [];
    list.push(c);
    map.set(c.subjectKey, list);
  }
  return map;
}

/** Unique, parseable certificates (damaged ones are left out). */
export function parseAll(inputs: CertInput[]): CertInfo[] {
  const seen = new Set<string>();
  const out: CertInfo[] = [];
  for (const i of inputs) {
    try {
      const c = certInfo(i);
      if (!seen.has(c.id)) out.push(c);
      seen.add(c.id);
    } catch {
      /* not a certificate: it can't be part of a path */
    }
  }
  return out;
}

const prepared = new WeakMap<object, AnchorSet>();

/**
 * Index trust anchors once; pass the result to many validatePath calls (check over many files).
 * `publicAnchors` come from a public store (system roots); `privateAnchors` were picked by the user.
 */
export function prepareAnchors(
  publicAnchors: CertInput[] | AnchorSet,
  privateAnchors: CertInput[] = [],
): AnchorSet {
  if (!Array.isArray(publicAnchors)) return publicAnchors;
  const hit = privateAnchors.length === 0 ? prepared.get(publicAnchors) : undefined;
  if (hit) return hit;
  const mine = parseAll(privateAnchors);
  const all = parseAll([...publicAnchors, ...privateAnchors]);
  const set: AnchorSet = {
    kind: 'anchor-set',
    all,
    bySubject: indexBySubject(all),
    ids: new Set(all.map((a) => a.id)),
    privateIds: new Set(mine.map((a) => a.id)),
  };
  if (privateAnchors.length === 0) prepared.set(publicAnchors, set);
  return set;
}

export function poolOf(intermediates: CertInput[]): Map<string, CertInfo[]> {
  return indexBySubject(parseAll(intermediates));
}
