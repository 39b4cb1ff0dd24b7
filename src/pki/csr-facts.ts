/** Facts about a CSR. @peculiar/x509 parses PKCS#10 (and builds CSRs in src/csr); loaded lazily. */
import { createPublicKey } from 'node:crypto';
import { signatureAlgorithmOf } from './der.js';
import { keyFacts } from './facts.js';
import type { KeyFacts, ParsedCsr } from './types.js';

export interface CsrFacts {
  subject: string;
  commonName: string | null;
  dnsNames: string[];
  ipAddresses: string[];
  key: KeyFacts;
  signatureAlgorithm: string;
  signatureValid: boolean;
  /** base64 SPKI, to match a certificate to its pending CSR */
  publicKeyId: string;
}

export async function loadX509Lib() {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(globalThis.crypto);
  return x509;
}

export async function csrFacts(csr: ParsedCsr): Promise<CsrFacts> {
  const x509 = await loadX509Lib();
  const req = new x509.Pkcs10CertificateRequest(new Uint8Array(csr.der));
  const san = req.getExtension('2.5.29.17') as InstanceType<
    typeof x509.SubjectAlternativeNameExtension
  > | null;
  const names: { type: string; value: string }[] = san?.names.toJSON() ?? [];
  const spki = Buffer.from(req.publicKey.rawData);
  const cnAttr = /(?:^|,\s*)CN=([^,]+)/.exec(req.subject);
  return {
    subject: req.subject,
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- non-optional capture group of a successful match
    commonName: cnAttr ? cnAttr[1]! : null,
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    key: keyFacts(createPublicKey({ key: spki, format: 'der', type: 'spki' })),
    signatureAlgorithm: signatureAlgorithmOf(csr.der),
    signatureValid: await req.verify(),
    publicKeyId: spki.toString('base64'),
  };
}
