/** Builds PKCS#10 CSRs (RSA or ECDSA) with @peculiar/x509, from a node KeyObject. */
import type { KeyObject } from 'node:crypto';
import { loadX509Lib } from '../pki/csr-facts.js';
import { isIpAddress } from './names.js';
import type { CsrSubject } from './rules.js';
import { toCryptoKeyPair } from './x509-keys.js';

export function subjectToJsonName(s: CsrSubject): Record<string, string[]>[] {
  const parts: Record<string, string[]>[] = [];
  if (s.country) parts.push({ C: [s.country.toUpperCase()] });
  if (s.state) parts.push({ ST: [s.state] });
  if (s.locality) parts.push({ L: [s.locality] });
  if (s.organization) parts.push({ O: [s.organization] });
  if (s.organizationalUnit) parts.push({ OU: [s.organizationalUnit] });
  if (s.commonName) parts.push({ CN: [s.commonName] });
  return parts;
}

export function sanEntries(names: string[]): { type: 'dns' | 'ip'; value: string }[] {
  return names.map((n) => ({ type: isIpAddress(n) ? 'ip' : 'dns', value: n }));
}

export async function buildCsr(
  key: KeyObject,
  subject: CsrSubject,
  names: string[],
): Promise<{ pem: string; der: Buffer }> {
  const x509 = await loadX509Lib();
  const { alg, keys } = await toCryptoKeyPair(key);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectToJsonName(subject),
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension(sanEntries(names))],
  });
  return { pem: csr.toString('pem') + '\n', der: Buffer.from(csr.rawData) };
}
