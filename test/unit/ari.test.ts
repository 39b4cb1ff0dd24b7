// RFC 9773 certificate identifier, against a certificate openssl made (serial 0x87654321, as in the RFC's
// example: its DER INTEGER is 00 87 65 43 21, "AIdlQyE") and the key id openssl prints.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ariCertId } from '../../src/acme/ari.js';
import { openssl, selfSigned, tempDir } from '../helpers/openssl.js';

/** A self-signed EC certificate made by openssl with the given extra arguments; its PEM text. */
function opensslCert(extra: string[]): string {
  const dir = tempDir();
  return selfSigned(join(dir, 'k.pem'), join(dir, 'c.pem'), 'ari.example.test', 30, 'ec256', extra).certFile;
}

describe('ariCertId', () => {
  it('is base64url(AKI key id) "." base64url(serial INTEGER bytes)', () => {
    const cert = opensslCert([
      '-set_serial', '0x87654321',
      '-addext', 'subjectKeyIdentifier=hash', '-addext', 'authorityKeyIdentifier=keyid:always',
    ]); // prettier-ignore
    const text = openssl(['x509', '-in', cert, '-noout', '-ext', 'authorityKeyIdentifier']);
    const keyIdHex = /([0-9A-F]{2}(?::[0-9A-F]{2})+)/.exec(text)?.[1]?.replace(/:/g, '');
    expect(keyIdHex).toBeTruthy();
    const pem = readFileSync(cert, 'utf8');
    expect(ariCertId(pem)).toBe(`${Buffer.from(keyIdHex ?? '', 'hex').toString('base64url')}.AIdlQyE`);
  });

  it('is null without an authorityKeyIdentifier, or for text that is not a certificate', () => {
    const cert = opensslCert([
      '-addext',
      'authorityKeyIdentifier=none',
      '-addext',
      'subjectKeyIdentifier=none',
    ]);
    expect(ariCertId(readFileSync(cert, 'utf8'))).toBeNull();
    expect(ariCertId('not a certificate')).toBeNull();
  });
});
