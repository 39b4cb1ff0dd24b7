/**
 * One certificate as the path validator sees it: the raw TBS fields and every extension with its
 * criticality, read with the small DER reader. Anything the reader can't make sense of is kept as a
 * `malformed` note instead of throwing, so a broken certificate still gets a verdict.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { children, decodeOid, must, readTlv, type Tlv } from '../der.js';
import { parseGeneralNames, type GeneralName } from './general-names.js';
import { OIDS } from './oids.js';

export interface Extension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

export interface NameConstraints {
  permitted: GeneralName[];
  excluded: GeneralName[];
  /** a subtree with minimum/maximum or a shape that can't be checked */
  unsupported: boolean;
}

export interface CertInfo {
  der: Buffer;
  /** sha-256 of the DER, hex: identity for cycle detection */
  id: string;
  x509: X509Certificate | null;
  version: number;
  serial: Buffer;
  /** DER of the issuer and subject Names, hex (exact comparison) */
  issuerKey: string;
  subjectKey: string;
  subjectRdns: Buffer[];
  subjectAttrs: { oid: string; value: string }[];
  issuerAttrs: { oid: string; value: string }[];
  issuerEmpty: boolean;
  subjectEmpty: boolean;
  notBefore: Date;
  notAfter: Date;
  tbsSigAlg: Buffer;
  outerSigAlg: Buffer;
  signatureOid: string;
  spkiAlgOid: string;
  /** the named curve OID, or '' when the parameters are not a named curve */
  spkiCurve: string;
  spkiKey: string;
  extensions: Extension[];
  duplicateExtensions: boolean;
  basicConstraints?: { ca: boolean; pathLen?: number; critical: boolean };
  keyUsage?: { bits: number; critical: boolean };
  extKeyUsage?: { oids: string[]; critical: boolean };
  san?: { names: GeneralName[]; critical: boolean };
  nameConstraints?: NameConstraints & { critical: boolean };
  ski?: { id: string; critical: boolean };
  aki?: { keyId?: string; hasIssuer: boolean; hasSerial: boolean; critical: boolean };
  crlUrls: string[];
  ocspUrls: string[];
  malformed: string[];
  selfIssued: boolean;
}

export const KU = { digitalSignature: 0x80, keyCertSign: 0x04, cRLSign: 0x02 } as const;

function bytes(buf: Buffer, t: Tlv): Buffer {
  return buf.subarray(t.start, t.end);
}

function content(buf: Buffer, t: Tlv): Buffer {
  return buf.subarray(t.contentStart, t.end);
}

export function parseTime(buf: Buffer, t: Tlv): Date {
  const s = content(buf, t).toString('latin1');
  const m =
    t.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
      : t.tag === 0x18
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
        : null;
  if (!m) throw new Error(`bad time ${s}`);
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

function attrString(buf: Buffer, t: Tlv): string {
  const raw = content(buf, t);
  if (t.tag === 0x1e) {
    let out = '';
    for (let i = 0; i + 1 < raw.length; i += 2) out += String.fromCharCode(raw.readUInt16BE(i));
    return out;
  }
  return raw.toString(t.tag === 0x0c ? 'utf8' : 'latin1');
}

export function parseName(
  buf: Buffer,
  name: Tlv,
): { rdns: Buffer[]; attrs: { oid: string; value: string }[] } {
  if (name.tag !== 0x30) throw new Error('Name is not a SEQUENCE');
  const rdns: Buffer[] = [];
  const attrs: { oid: string; value: string }[] = [];
  for (const rdn of children(buf, name)) {
    if (rdn.tag !== 0x31) throw new Error('RDN is not a SET');
    rdns.push(bytes(buf, rdn));
    for (const atv of children(buf, rdn)) {
      const [oid, value] = children(buf, atv);
      if (!oid || !value) throw new Error('bad AttributeTypeAndValue');
      attrs.push({ oid: decodeOid(buf, oid), value: attrString(buf, value) });
    }
  }
  return { rdns, attrs };
}

function readBool(buf: Buffer, t: Tlv): boolean {
  if (t.tag !== 0x01 || t.end - t.contentStart !== 1) throw new Error('bad BOOLEAN');
  return buf[t.contentStart] !== 0;
}

function readSmallInt(buf: Buffer, t: Tlv): number {
  if (t.tag !== 0x02) throw new Error('not an INTEGER');
  const c = content(buf, t);
  if (c.length === 0 || c.length > 4 || must(c[0], 'INTEGER byte') & 0x80) throw new Error('bad INTEGER');
  return c.reduce((n, b) => n * 256 + b, 0);
}

function urisOf(names: GeneralName[]): string[] {
  return names.filter((n) => n.kind === 'uri').map((n) => n.value);
}

function parseNameConstraints(buf: Buffer, outer: Tlv): NameConstraints {
  const nc: NameConstraints = { permitted: [], excluded: [], unsupported: false };
  const parts = children(buf, outer);
  if (parts.length === 0) throw new Error('NameConstraints is empty');
  for (const part of parts) {
    const list = part.tag === 0xa0 ? nc.permitted : part.tag === 0xa1 ? nc.excluded : null;
    if (!list) throw new Error('NameConstraints: unexpected field');
    const subtrees = children(buf, part);
    if (subtrees.length === 0) throw new Error('NameConstraints: empty subtree list');
    for (const st of subtrees) {
      const [base, ...rest] = children(buf, st);
      if (!base) throw new Error('NameConstraints: empty subtree');
      if (rest.length > 0) nc.unsupported = true;
      list.push(...parseGeneralNames(buf, [base], true));
    }
  }
  return nc;
}

function decodeExtension(info: CertInfo, ext: Extension): void {
  const v = ext.value;
  const top = readTlv(v, 0);
  if (top.end !== v.length) throw new Error('trailing data');
  const critical = ext.critical;
  switch (ext.oid) {
    case OIDS.basicConstraints: {
      const f = children(v, top);
      let i = 0;
      let ca = false;
      const first = f[i];
      if (first?.tag === 0x01) {
        ca = readBool(v, first);
        i++;
      }
      const lenField = f[i];
      const pathLen = lenField ? readSmallInt(v, lenField) : undefined;
      info.basicConstraints = { ca, pathLen, critical };
      break;
    }
    case OIDS.keyUsage: {
      if (top.tag !== 0x03) throw new Error('keyUsage is not a BIT STRING');
      const c = content(v, top);
      info.keyUsage = { bits: (c[1] ?? 0) | ((c[2] ?? 0) << 8), critical };
      break;
    }
    case OIDS.extKeyUsage: {
      info.extKeyUsage = { oids: children(v, top).map((o) => decodeOid(v, o)), critical };
      break;
    }
    case OIDS.subjectAltName: {
      const names = parseGeneralNames(v, children(v, top), false);
      if (names.length === 0) throw new Error('subjectAltName is empty');
      info.san = { names, critical };
      break;
    }
    case OIDS.nameConstraints:
      info.nameConstraints = { ...parseNameConstraints(v, top), critical };
      break;
    case OIDS.subjectKeyIdentifier:
      if (top.tag !== 0x04) throw new Error('SKI is not an OCTET STRING');
      info.ski = { id: content(v, top).toString('hex'), critical };
      break;
    case OIDS.authorityKeyIdentifier: {
      const aki: NonNullable<CertInfo['aki']> = { hasIssuer: false, hasSerial: false, critical };
      for (const f of children(v, top)) {
        if (f.tag === 0x80) aki.keyId = content(v, f).toString('hex');
        else if (f.tag === 0xa1) aki.hasIssuer = true;
        else if (f.tag === 0x82) aki.hasSerial = true;
        else throw new Error('AKI: unexpected field');
      }
      info.aki = aki;
      break;
    }
    case OIDS.crlDistributionPoints:
      for (const dp of children(v, top)) {
        for (const f of children(v, dp)) {
          if (f.tag !== 0xa0) continue;
          for (const n of children(v, f))
            if (n.tag === 0xa0) info.crlUrls.push(...urisOf(parseGeneralNames(v, children(v, n), false)));
        }
      }
      break;
    case OIDS.authorityInfoAccess:
      for (const ad of children(v, top)) {
        const [method, location] = children(v, ad);
        if (!method || !location) throw new Error('AIA: bad AccessDescription');
        const m = decodeOid(v, method);
        const [name] = parseGeneralNames(v, [location], false);
        if (m === OIDS.ocsp && name?.kind === 'uri') info.ocspUrls.push(name.value);
      }
      break;
    default:
      break;
  }
}

function parseExtensions(info: CertInfo, buf: Buffer, wrapper: Tlv): void {
  const [list] = children(buf, wrapper);
  if (!list || list.tag !== 0x30) throw new Error('bad extensions');
  const seen = new Set<string>();
  for (const e of children(buf, list)) {
    const f = children(buf, e);
    const oid = decodeOid(buf, must(f[0], 'extension OID'));
    let i = 1;
    let critical = false;
    const flag = f[i];
    if (flag?.tag === 0x01) {
      critical = readBool(buf, flag);
      i++;
    }
    const octets = f[i];
    if (!octets || octets.tag !== 0x04) throw new Error(`extension ${oid}: no value`);
    if (seen.has(oid)) info.duplicateExtensions = true;
    seen.add(oid);
    const ext = { oid, critical, value: Buffer.from(content(buf, octets)) };
    info.extensions.push(ext);
    try {
      decodeExtension(info, ext);
    } catch (err) {
      info.malformed.push(`extension ${OIDS.nameOf(oid)}: ${(err as Error).message}`);
    }
  }
}

/** Parse a DER certificate. Throws only when the outer structure is not a certificate at all. */
export function parseCertificate(input: Uint8Array, loaded?: X509Certificate): CertInfo {
  const der = Buffer.from(input);
  const outer = readTlv(der, 0);
  const [tbs, outerAlg, sigValue] = children(der, outer);
  if (!tbs || !outerAlg || !sigValue || tbs.tag !== 0x30) throw new Error('not a certificate');
  const f = children(der, tbs);
  let i = 0;
  let version = 1;
  if (f[0]?.tag === 0xa0) {
    version = readSmallInt(der, must(children(der, f[0])[0], 'version')) + 1;
    i = 1;
  }
  const [serial, sigAlg, issuer, validity, subject, spki] = f.slice(i, i + 6);
  if (!serial || !sigAlg || !issuer || !validity || !subject || !spki) throw new Error('not a certificate');
  const [nb, na] = children(der, validity);
  const [spkiAlg] = children(der, spki);
  const [algOid, algParams] = children(der, must(spkiAlg, 'public key algorithm'));
  const subjectName = parseName(der, subject);
  const issuerName = parseName(der, issuer);
  let x509: X509Certificate | null = loaded ?? null;
  try {
    x509 ??= new X509Certificate(der);
  } catch {
    x509 = null;
  }
  const info: CertInfo = {
    der,
    id: x509?.fingerprint256 ?? createHash('sha256').update(der).digest('hex'),
    x509,
    version,
    serial: Buffer.from(content(der, serial)),
    issuerKey: bytes(der, issuer).toString('hex'),
    subjectKey: bytes(der, subject).toString('hex'),
    subjectRdns: subjectName.rdns,
    subjectAttrs: subjectName.attrs,
    issuerAttrs: issuerName.attrs,
    issuerEmpty: issuerName.rdns.length === 0,
    subjectEmpty: subjectName.rdns.length === 0,
    notBefore: parseTime(der, must(nb, 'notBefore')),
    notAfter: parseTime(der, must(na, 'notAfter')),
    tbsSigAlg: Buffer.from(bytes(der, sigAlg)),
    outerSigAlg: Buffer.from(bytes(der, outerAlg)),
    signatureOid: decodeOid(der, must(children(der, outerAlg)[0], 'signature algorithm')),
    spkiAlgOid: decodeOid(der, must(algOid, 'public key algorithm OID')),
    spkiCurve: algParams?.tag === 0x06 ? decodeOid(der, algParams) : '',
    spkiKey: bytes(der, spki).toString('hex'),
    extensions: [],
    duplicateExtensions: false,
    crlUrls: [],
    ocspUrls: [],
    malformed: [],
    selfIssued: false,
  };
  info.selfIssued = info.issuerKey === info.subjectKey;
  if (serial.tag !== 0x02) info.malformed.push('serial number is not an INTEGER');
  const ext = f.slice(i + 6).find((t) => t.tag === 0xa3);
  if (ext) {
    try {
      parseExtensions(info, der, ext);
    } catch (err) {
      info.malformed.push(`extensions: ${(err as Error).message}`);
    }
  }
  if (!x509) info.malformed.push('the certificate cannot be loaded by OpenSSL');
  return info;
}

/** The subject's readable form (openssl-style), for messages. */
export function describe(c: CertInfo): string {
  return describeName(c.subjectAttrs);
}

const SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
};

export function describeName(attrs: { oid: string; value: string }[]): string {
  if (attrs.length === 0) return '(empty name)';
  return attrs.map((a) => `${SHORT[a.oid] ?? a.oid}=${a.value}`).join(', ');
}
