/**
 * Is this name a public suffix (com, co.uk, s3.amazonaws.com)? A wildcard directly under one is refused.
 * The Public Suffix List comes from tldts (ICANN and private sections), as in src/csr. It is loaded on the
 * first wildcard only: importing it costs ~70 ms of start-up that most runs (verify, check) never need.
 */
import { createRequire } from 'node:module';

type Tldts = typeof import('tldts');
let tldts: Tldts | null = null;

export function isPublicSuffix(name: string): boolean {
  if (!name.includes('.')) return true;
  tldts ??= createRequire(import.meta.url)('tldts') as Tldts;
  return tldts.getPublicSuffix(name, { allowPrivateDomains: true }) === name;
}
