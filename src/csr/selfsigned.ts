/** Self-signed certificates for internal and test use (marked self-signed wherever certkit shows them). */
import { randomBytes, type KeyObject } from 'node:crypto';
import { loadX509Lib } from '../pki/csr-facts.js';
import { sanEntries } from './build.js';
import { toCryptoKeyPair } from './x509-keys.js';

export async function buildSelfSigned(
  key: KeyObject,
  names: string[],
  days: number,
  now = new Date(),
): Promise<string> {
  const x509 = await loadX509Lib();
  const { alg, keys } = await toCryptoKeyPair(key);
  const serial = randomBytes(16);
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- randomBytes(16) has 16 bytes
  serial[0] = serial[0]! & 0x7f;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- callers pass at least one name
    name: [{ CN: [names[0]!] }],
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + days * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sanEntries(names)),
    ],
  });
  return cert.toString('pem') + '\n';
}
