/** Turning inputs into parsed certificates, and a set of trust anchors indexed by subject. */
import { X509Certificate } from 'node:crypto';
import { parseCertificate, type CertInfo } from './cert.js';
import type { AnchorSet, CertInput } from './types.js';

const parsed = new WeakMap<object, CertInfo>();

/** Parse (once per input object) a certificate given as node X509Certificate, DER bytes or {der}. */
export function certInfo(input: CertInput): CertInfo {
  const hit = parsed.get(input);
  if (hit) return hit;
  const der = input instanceof X509Certificate ? input.raw : input instanceof Uint8Array ? input : input.der;
  const info = parseCertificate(der);
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

/** Index trust anchors once; pass the result to many validatePath calls (check over many files). */
export function prepareAnchors(anchors: CertInput[] | AnchorSet): AnchorSet {
  if (!Array.isArray(anchors)) return anchors;
  const hit = prepared.get(anchors);
  if (hit) return hit;
  const all = parseAll(anchors);
  const set: AnchorSet = {
    kind: 'anchor-set',
    all,
    bySubject: indexBySubject(all),
    ids: new Set(all.map((a) => a.id)),
  };
  prepared.set(anchors, set);
  return set;
}

export function poolOf(intermediates: CertInput[]): Map<string, CertInfo[]> {
  return indexBySubject(parseAll(intermediates));
}
