/**
 * A minimal DER reader: enough to walk PKCS#7 SignedData, detect PKCS#12 and read a certificate's
 * signature algorithm (node 20's X509Certificate doesn't expose it). Throws on malformed input.
 */
export interface Tlv {
  tag: number;
  /** offset of the tag byte in the buffer */
  start: number;
  /** offset of the first content byte */
  contentStart: number;
  /** offset one past the last content byte */
  end: number;
  constructed: boolean;
}

/** A field DER requires at this position: missing means malformed input, said as such (never a TypeError). */
export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`DER: ${what} missing`);
  return value;
}

export function readTlv(buf: Uint8Array, offset = 0): Tlv {
  if (offset + 2 > buf.length) throw new Error('DER: truncated');
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- offset + 2 <= buf.length (checked above)
  const tag = buf[offset]!;
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- offset + 2 <= buf.length (checked above)
  let len = buf[offset + 1]!;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: unsupported length');
    if (pos + n > buf.length) throw new Error('DER: truncated');
    len = 0;
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- readTlv bounds-checks pos + n before reading the length bytes
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i]!;
    pos += n;
  }
  const end = pos + len;
  if (end > buf.length) throw new Error('DER: truncated');
  return { tag, start: offset, contentStart: pos, end, constructed: (tag & 0x20) !== 0 };
}

export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const t = readTlv(buf, pos);
    out.push(t);
    pos = t.end;
  }
  return out;
}

export function slice(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.subarray(t.start, t.end));
}

export function decodeOid(buf: Uint8Array, t: Tlv): string {
  if (t.tag !== 0x06) throw new Error('DER: not an OID');
  const bytes = buf.subarray(t.contentStart, t.end);
  const parts: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** The whole buffer is exactly one DER SEQUENCE. */
export function isDerSequence(buf: Uint8Array): boolean {
  try {
    const t = readTlv(buf, 0);
    return t.tag === 0x30 && t.end === buf.length;
  } catch {
    return false;
  }
}

export const OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
} as const;

const SIGNATURE_NAMES: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};

/** Signature algorithm name (OpenSSL's spelling) of a DER certificate or CSR. */
export function signatureAlgorithmOf(der: Uint8Array): string {
  const outer = readTlv(der, 0);
  const [, algId] = children(der, outer);
  if (!algId) throw new Error('DER: no signature algorithm');
  const [oid] = children(der, algId);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- an AlgorithmIdentifier starts with its OID
  const dotted = decodeOid(der, oid!);
  return SIGNATURE_NAMES[dotted] ?? dotted;
}

/** Certificates (DER) held in a PKCS#7 SignedData ContentInfo; null when the buffer isn't PKCS#7. */
export function pkcs7Certificates(der: Uint8Array): Buffer[] | null {
  try {
    const ci = readTlv(der, 0);
    if (ci.tag !== 0x30 || ci.end !== der.length) return null;
    const [oid, explicit] = children(der, ci);
    if (!oid || oid.tag !== 0x06 || decodeOid(der, oid) !== OID.signedData || !explicit) return null;
    const [signedData] = children(der, explicit);
    if (!signedData) return null;
    const certs: Buffer[] = [];
    for (const field of children(der, signedData)) {
      if (field.tag === 0xa0) {
        for (const c of children(der, field)) if (c.tag === 0x30) certs.push(slice(der, c));
      }
    }
    return certs;
  } catch {
    return null;
  }
}

/** PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, macData OPTIONAL } */
export function looksLikePkcs12(der: Uint8Array): boolean {
  try {
    const pfx = readTlv(der, 0);
    if (pfx.tag !== 0x30 || pfx.end !== der.length) return false;
    const [version, authSafe] = children(der, pfx);
    if (!version || version.tag !== 0x02 || version.end - version.contentStart !== 1) return false;
    if (der[version.contentStart] !== 3 || !authSafe || authSafe.tag !== 0x30) return false;
    const [oid] = children(der, authSafe);
    return !!oid && oid.tag === 0x06 && decodeOid(der, oid).startsWith('1.2.840.113549.1.7.');
  } catch {
    return false;
  }
}

/** CertificationRequest ::= SEQUENCE { info SEQUENCE { version INTEGER 0, subject, spki, [0] attrs }, ... } */
export function looksLikeCsr(der: Uint8Array): boolean {
  try {
    const outer = readTlv(der, 0);
    const [info] = children(der, outer);
    if (!info || info.tag !== 0x30) return false;
    const fields = children(der, info);
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- fields.length >= 3 (checked in the same condition)
    return fields.length >= 3 && fields[0]!.tag === 0x02 && fields[fields.length - 1]!.tag === 0xa0;
  } catch {
    return false;
  }
}
