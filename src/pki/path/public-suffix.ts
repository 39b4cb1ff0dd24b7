/**
 * Is this name a public suffix (com, co.uk, s3.amazonaws.com)? A wildcard directly under one is refused.
 * The Public Suffix List comes from tldts (ICANN and private sections), as in src/csr.
 */
import { getPublicSuffix } from 'tldts';

export function isPublicSuffix(name: string): boolean {
  if (!name.includes('.')) return true;
  return getPublicSuffix(name, { allowPrivateDomains: true }) === name;
}
