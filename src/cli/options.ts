/** Option values several commands share, parsed one way: one-line usage errors, never a silent default. */
import { CertkitError, usageError } from '../errors.js';
import { domainToASCII } from 'node:url';
import { ipBytes, normaliseDnsName } from '../pki/path/hostname.js';

/** --timeout in seconds: 0, negative, NaN or more than an hour would make every target "time out". */
export function timeoutSeconds(v: string | number | undefined, fallback = 10): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 3600)
    throw new CertkitError('usage', `--timeout must be more than 0 and at most 3600 seconds, not "${v}"`);
  return n;
}

/**
 * A --name value: a DNS name (an IDN becomes its punycode form, as certificates carry it) or an IP address
 * (brackets allowed), else a usage error (exit 2).
 */
export function checkName(given: string): string {
  const n = /^[\x00-\x7f]*$/.test(given) ? given : domainToASCII(given.replace(/\.$/, '')) || given;
  const bare = n.replace(/^\[|\]$/g, '');
  if (ipBytes(bare) || normaliseDnsName(n)) return bare;
  throw usageError(
    `--name ${given} is neither a DNS name nor an IP address`,
    'e.g. --name www.example.com or --name 192.0.2.10',
  );
}
