/**
 * Checks certificate files before any server is reloaded: what `apachectl configtest` does not catch and
 * what then kills the server on reload (field notes): DER instead of PEM, encrypted key, key mismatch,
 * wrong chain order, expired, names not covered.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { CertkitError } from '../errors.js';
import { orderChain } from '../pki/chain.js';
import { subjectAltNames } from '../pki/facts.js';
import { keyMatchesCertificate } from '../pki/keys.js';
import { splitPem } from '../pki/pem.js';

export interface PreflightResult {
  leaf: X509Certificate;
  fingerprint: string;
  hasOcsp: boolean;
  /** the names the certificate is for: its DNS and IP subjectAltNames (without any, its CN) */
  names: string[];
}

/** The names a certificate is for: its DNS and IP subjectAltNames, else (a legacy certificate) its CN. */
function certificateNames(leaf: X509Certificate): string[] {
  const { dnsNames, ipAddresses } = subjectAltNames(leaf);
  const sans = [...dnsNames, ...ipAddresses].map((n) => n.toLowerCase());
  if (sans.length) return [...new Set(sans)];
  const cn = /^CN=(.+)$/m.exec(leaf.subject)?.[1]?.trim().toLowerCase();
  return cn ? [cn] : [];
}

const refuse = (msg: string, hint?: string) =>
  new CertkitError('input', `refused before any reload: ${msg}`, hint);

export async function preflightCertificate(
  fullchainPath: string,
  keyPath: string,
  names: string[],
  now = new Date(),
): Promise<PreflightResult> {
  const chainText = await readFile(fullchainPath).catch(() => {
    throw refuse(`cannot read ${fullchainPath}`);
  });
  if (!chainText.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
    throw refuse(
      `${fullchainPath} is not a PEM certificate (DER or something else)`,
      'convert it with certkit import, which writes PEM',
    );
  }
  let certs: { x509: X509Certificate; der: Buffer }[];
  try {
    const blocks = splitPem(chainText.toString('utf8')).filter((b) => b.label === 'CERTIFICATE');
    certs = blocks.map((b) => ({ x509: new X509Certificate(b.der), der: b.der }));
  } catch (err) {
    throw refuse(`${fullchainPath} is not a readable PEM certificate (${(err as Error).message})`);
  }
  const { chain } = orderChain(certs);
  if (certs.some((c, i) => chain[i] !== c)) {
    throw refuse(
      `${fullchainPath} is not in leaf-first order (or holds unrelated certificates)`,
      'certkit import rebuilds the chain in the right order',
    );
  }
  const keyText = await readFile(keyPath, 'utf8').catch(() => {
    throw refuse(`cannot read ${keyPath}`);
  });
  if (!keyText.includes('-----BEGIN')) throw refuse(`${keyPath} is not a PEM private key`);
  if (/ENCRYPTED/.test(keyText))
    throw refuse(
      `${keyPath} is encrypted: the server cannot type its passphrase`,
      'store the key unencrypted (0600)',
    );
  let key: KeyObject;
  try {
    key = createPrivateKey(keyText);
  } catch (err) {
    throw refuse(`${keyPath} is not a readable private key (${(err as Error).message})`);
  }
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- chain is non-empty (a fullchain without certificates is refused above)
  const leaf = chain[0]!.x509;
  if (!keyMatchesCertificate(key, leaf))
    throw refuse(`the key ${keyPath} does not match the certificate ${fullchainPath}`);
  const notAfter = new Date(leaf.validTo);
  if (notAfter <= now) throw refuse(`the certificate expired on ${notAfter.toISOString()}`);
  if (new Date(leaf.validFrom) > now) throw refuse('the certificate is not valid yet');
  // checkIP throws on anything but an IP address: a name that only looks like one is checked as a host
  const uncovered = names.filter((n) =>
    isIP(n) ? leaf.checkIP(n) === undefined : leaf.checkHost(n) === undefined,
  );
  if (uncovered.length)
    throw refuse(
      `the certificate does not cover ${uncovered.join(', ')}`,
      'request or import one that names them',
    );
  return {
    leaf,
    fingerprint: leaf.fingerprint256,
    hasOcsp: /OCSP - URI:/.test(leaf.infoAccess ?? ''),
    names: certificateNames(leaf),
  };
}
