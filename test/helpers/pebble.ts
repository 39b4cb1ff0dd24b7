/** The suite's Pebble: see scripts/lib/pebble.mjs (shared with the demo and the benchmarks). */
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
