/** Turning inputs into parsed certificates, and a set of trust anchors indexed by subject. */
import { X509Certificate } from 'node:crypto';
import { parseCertificate, type CertInfo } from './cert.js';
import type { AnchorSet, CertInput } from './types.js';
import { children, readTlv } from '../der.js';

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

function derOf(input: CertInput): Uint8Array {
  return input instanceof X509Certificate ? input.raw : input instanceof Uint8Array ? input : input.der;
}

/** The subject Name's DER (hex) read straight off the TBS, without parsing the rest. */
function subjectKeyOf(der: Uint8Array): string {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a certificate the anchor list parsed already (a Certificate always starts with its TBS, whose subject is field 4, or 5 after an explicit version)
  const tbs = children(der, readTlv(der, 0))[0]!;
  const f = children(der, tbs);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a certificate the anchor list parsed already (a Certificate always starts with its TBS, whose subject is field 4, or 5 after an explicit version)
  const subject = f[f[0]?.tag === 0xa0 ? 5 : 4]!;
  return Buffer.from(der.subarray(subject.start, subject.end)).toString('hex');
}

/** The id certInfo will give it: node's SHA-256 fingerprint (or the DER's hash when OpenSSL can't load it). */
function idOf(input: CertInput): string | null {
  const x =
    input instanceof X509Certificate
      ? input
      : 'x509' in input && !(input instanceof Uint8Array)
        ? input.x509
        : undefined;
  if (x) return x.fingerprint256;
  try {
    return certInfo(input).id;
  } catch {
    return null;
  }
}

/**
 * Index trust anchors once; pass the result to many validatePath calls (check over many files). Only the
 * subject is read up front: an anchor is parsed in full the first time a path reaches for it.
 * `publicAnchors` come from a public store (Node's Mozilla roots); `privateAnchors` were picked by the user.
 */
export function prepareAnchors(
  publicAnchors: CertInput[] | AnchorSet,
  privateAnchors: CertInput[] = [],
): AnchorSet {
  if (!Array.isArray(publicAnchors)) return publicAnchors;
  const hit = privateAnchors.length === 0 ? prepared.get(publicAnchors) : undefined;
  if (hit) return hit;
  const bySubject = new Map<string, CertInput[]>();
  const ids = new Set<string>();
  const mine = new Set<string>();
  for (const [list, isPrivate] of [
    [publicAnchors, false],
    [privateAnchors, true],
  ] as const) {
    for (const input of list) {
      let key: string;
      const id = idOf(input);
      try {
        key = subjectKeyOf(derOf(input));
      } catch {
        continue; // not a certificate: it can't anchor anything
      }
      if (!id || ids.has(id)) continue;
      ids.add(id);
      if (isPrivate) mine.add(id);
      bySubject.set(key, [...(bySubject.get(key) ?? []), input]);
    }
  }
  const set: AnchorSet = {
    kind: 'anchor-set',
    withSubject: (key) => parseAll(bySubject.get(key) ?? []),
    has: (id) => ids.has(id),
    isPrivate: (id) => mine.has(id),
  };
  if (privateAnchors.length === 0) prepared.set(publicAnchors, set);
  return set;
}

export function poolOf(intermediates: CertInput[]): Map<string, CertInfo[]> {
  return indexBySubject(parseAll(intermediates));
}
