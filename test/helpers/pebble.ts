/** The suite's Pebble: see scripts/lib/pebble.mjs (shared with the demo and the benchmarks). */
import { join } from 'node:path';
import { ROOT } from './cli.js';
// @ts-expect-error: plain ESM module without types
import { startPebble as start } from '../../scripts/lib/pebble.mjs';

export interface Pebble {
  dir: string;
  directoryUrl: string;
  /** CA of Pebble's own HTTPS certificate: clients get it through NODE_EXTRA_CA_CERTS (see env) */
  tlsCaFile: string;
  httpPort: number;
  dnsServer: string;
  challtestsrv: string;
  env: Record<string, string>;
  rootFile(): Promise<string>;
  setTxt(host: string, value: string): Promise<void>;
  stop(): Promise<void>;
}

export interface PebbleOptions {
  eab?: Record<string, string>;
  nonceReject?: number;
  env?: Record<string, string>;
}

export const startPebble = start as (opts?: PebbleOptions) => Promise<Pebble>;

/** `request` flags answering http-01 with the built-in server where this Pebble looks (server: another CA URL). */
export function standaloneArgs(p: Pebble, server = p.directoryUrl): string[] {
  return [
    '--server',
    server,
    '--standalone',
    '--http-port',
    String(p.httpPort),
    '--http-address',
    '127.0.0.1',
    '--agree-tos',
    '--no-email',
  ];
}

/**
 * `request` flags answering dns-01 with examples/dns-hook-challtestsrv.sh, which sets the TXT records in this
 * Pebble's challtestsrv (the hook needs dnsHookEnv); certkit waits until its DNS answers with them.
 */
export function dnsHookArgs(p: Pebble): string[] {
  return [
    '--server',
    p.directoryUrl,
    '--dns-hook',
    join(ROOT, 'examples/dns-hook-challtestsrv.sh'),
    '--dns-resolver',
    p.dnsServer,
    '--agree-tos',
    '--no-email',
  ];
}

/** What the dns-01 hook of dnsHookArgs needs in its environment: where challtestsrv takes TXT records. */
export function dnsHookEnv(p: Pebble): Record<string, string> {
  return { CHALLTESTSRV: p.challtestsrv };
}
