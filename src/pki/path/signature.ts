/** Verifying a signature over DER bytes (CRLs, OCSP responses) with an issuer's key. */
import { verify, type KeyObject } from 'node:crypto';

const HASH: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
  '1.3.101.113': null,
};

/** True when `signature` over `data` verifies with `key` under algorithm `oid`; false for unknown algorithms. */
export function verifySignature(oid: string, data: Buffer, signature: Buffer, key: KeyObject): boolean {
  if (!(oid in HASH)) return false;
  try {
    return verify(HASH[oid] ?? null, data, key, signature);
  } catch {
    return false;
  }
}
