/**
 * PKCS#12 (.pfx/.p12) through node-forge, which decrypts both OpenSSL 3's AES/PBKDF2 files and the
 * legacy RC2-40/3DES ones. Where forge can't model a bag (EC keys, certs signed by EC keys) the raw ASN.1
 * is handed to node's crypto instead, so RSA and ECDSA both work.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { inputError } from '../errors.js';
import type { ParsedCertificate, ParsedKey } from './types.js';

// node-forge's types promise cert/key on every bag; bags of other kinds (or unparsed ones) lack them
type Bag = Omit<forge.pkcs12.Bag, 'cert' | 'key' | 'asn1'> & {
  cert?: forge.pki.Certificate;
  key?: forge.pki.PrivateKey;
  asn1?: forge.asn1.Asn1;
};

function derOf(obj: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(obj).getBytes(), 'binary');
}

/**
 * A non-ASCII password in a modern (PBES2/AES) file: the MAC takes the password as Unicode characters, PBKDF2 as
 * UTF-8 bytes (as OpenSSL does), and node-forge uses one string for both. When the MAC held with the characters
 * (forge got as far as decrypting), the contents are decrypted again with the UTF-8 form, the MAC (already
 * verified) left out of that second pass.
 */
function withUtf8Password(
  asn1: forge.asn1.Asn1,
  password: string,
  err: unknown,
): forge.pkcs12.Pkcs12Pfx | undefined {
  if (/^[\x00-\x7f]*$/.test(password) || !/decrypt/i.test(err instanceof Error ? err.message : ''))
    return undefined;
  const parts = Array.isArray(asn1.value) ? asn1.value : [];
  const withoutMac = forge.asn1.create(asn1.tagClass, asn1.type, asn1.constructed, parts.slice(0, 2));
  try {
    return forge.pkcs12.pkcs12FromAsn1(withoutMac, false, forge.util.encodeUtf8(password));
  } catch {
    return undefined;
  }
}

export function readPkcs12(
  der: Buffer,
  password: string | undefined,
): { certificates: ParsedCertificate[]; keys: ParsedKey[] } {
  const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')), false);
  let p12: forge.pkcs12.Pkcs12Pfx | undefined;
  // a given password is tried first, then none: a directory (or a batch of imports) holds files with a
  // password beside files exported without one, and the password of the others must not make those unreadable
  const candidates = password !== undefined ? [password, '', undefined] : ['', undefined];
  let lastError: unknown;
  for (const pw of candidates) {
    try {
      p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, pw as string);
      break;
    } catch (err) {
      lastError = err;
      p12 = pw === undefined ? undefined : withUtf8Password(asn1, pw, err);
      if (p12) break;
    }
  }
  if (!p12) {
    const msg = lastError instanceof Error ? lastError.message : String(lastError);
    if (/password|MAC|decrypt/i.test(msg)) {
      throw inputError(
        password === undefined
          ? 'the PKCS#12 file is password-protected'
          : 'the PKCS#12 password is wrong (MAC check or decryption failed)',
        'give the password with --password-file FILE or the CERTKIT_PASSWORD environment variable',
      );
    }
    throw inputError(`the PKCS#12 file could not be read: ${msg}`);
  }

  const certificates: ParsedCertificate[] = [];
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- node-forge defines these OIDs; its types declare an index signature
  const certBags = (p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ??
    []) as Bag[];
  for (const bag of certBags) {
    const certDer = bag.cert
      ? derOf(forge.pki.certificateToAsn1(bag.cert))
      : bag.asn1
        ? derOf(bag.asn1)
        : null;
    if (certDer) certificates.push({ x509: new X509Certificate(certDer), der: certDer });
  }

  const keys: ParsedKey[] = [];
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- node-forge defines these OIDs; its types declare an index signature
  for (const type of [forge.pki.oids.pkcs8ShroudedKeyBag!, forge.pki.oids.keyBag!]) {
    const bags = (p12.getBags({ bagType: type })[type] ?? []) as Bag[];
    for (const bag of bags) {
      let keyObject;
      if (bag.key) keyObject = createPrivateKey(forge.pki.privateKeyToPem(bag.key));
      else if (bag.asn1) keyObject = createPrivateKey({ key: derOf(bag.asn1), format: 'der', type: 'pkcs8' });
      if (keyObject) keys.push({ encoding: 'pkcs12', encrypted: false, keyObject });
    }
  }
  return { certificates, keys };
}
