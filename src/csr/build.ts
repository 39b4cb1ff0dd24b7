/**
 * Builds PKCS#10 CSRs (RSA or ECDSA P-256/384/521) from a node KeyObject: the DER is written here (src/csr/der.ts)
 * and signed by node's crypto (OpenSSL). No X.509 library is loaded on this path (`certkit request` builds one).
 */
import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { ipBytes } from '../pki/path/hostname.js';
import { toPem } from '../pki/pem.js';
import {
  bitString,
  ia5String,
  integer0,
  nullValue,
  octetString,
  oid,
  printableString,
  sequence,
  set,
  tlv,
  utf8String,
} from './der.js';
import { isIpAddress } from './names.js';
import type { CsrSubject } from './rules.js';

/** Subject attributes in the order CAs and openssl print them: C, ST, L, O, OU, CN. */
const ATTRIBUTES: [keyof CsrSubject, string][] = [
  ['country', '2.5.4.6'],
  ['state', '2.5.4.8'],
  ['locality', '2.5.4.7'],
  ['organization', '2.5.4.10'],
  ['organizationalUnit', '2.5.4.11'],
  ['commonName', '2.5.4.3'],
];

export function subjectDer(s: CsrSubject): Buffer {
  const rdns: Buffer[] = [];
  for (const [field, id] of ATTRIBUTES) {
    const v = s[field];
    if (!v) continue;
    // countryName is a PrintableString (X.520); everything else UTF8String (RFC 5280 4.1.2.4)
    const value = field === 'country' ? printableString(v.toUpperCase()) : utf8String(v);
    rdns.push(set(sequence(oid(id), value)));
  }
  return sequence(...rdns);
}

export function sanEntries(names: string[]): { type: 'dns' | 'ip'; value: string }[] {
  return names.map((n) => ({ type: isIpAddress(n) ? 'ip' : 'dns', value: n }));
}

function subjectAltNameExtension(names: string[]): Buffer {
  const general = sanEntries(names).map((e) => {
    if (e.type === 'dns') return ia5String(0x82, e.value); // [2] dNSName
    const bytes = ipBytes(e.value);
    if (!bytes) throw new Error(`not an IP address: ${e.value}`);
    return tlv(0x87, bytes); // [7] iPAddress
  });
  return sequence(oid('2.5.29.17'), octetString(sequence(...general)));
}

function signatureAlgorithm(key: KeyObject): { der: Buffer; hash: string } {
  if (key.asymmetricKeyType === 'rsa')
    return { der: sequence(oid('1.2.840.113549.1.1.11'), nullValue()), hash: 'sha256' };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const ecdsa = {
    prime256v1: ['2', 'sha256'],
    secp384r1: ['3', 'sha384'],
    secp521r1: ['4', 'sha512'],
  } as const;
  const hit = curve && curve in ecdsa ? ecdsa[curve as keyof typeof ecdsa] : null;
  if (!hit) throw new Error(`unsupported key for signing: ${key.asymmetricKeyType ?? '?'} ${curve ?? ''}`);
  return { der: sequence(oid(`1.2.840.10045.4.3.${hit[0]}`)), hash: hit[1] };
}

export function buildCsrDer(key: KeyObject, subject: CsrSubject, names: string[]): Buffer {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const extensionRequest = sequence(
    oid('1.2.840.113549.1.9.14'),
    set(sequence(subjectAltNameExtension(names))),
  );
  const info = sequence(integer0(), subjectDer(subject), spki, tlv(0xa0, extensionRequest));
  const alg = signatureAlgorithm(key);
  // ECDSA signatures come DER-encoded (node's default dsaEncoding), as PKCS#10 wants them
  const signature = sign(alg.hash, info, key);
  return sequence(info, alg.der, bitString(signature));
}

export async function buildCsr(
  key: KeyObject,
  subject: CsrSubject,
  names: string[],
): Promise<{ pem: string; der: Buffer }> {
  const der = buildCsrDer(key, subject, names);
  return Promise.resolve({ pem: toPem('CERTIFICATE REQUEST', der), der });
}
