/** The suite's private Apache instances: see scripts/lib/apache.mjs (shared with the demo). */
// @ts-expect-error: plain ESM module without types
import { createApache as create } from '../../scripts/lib/apache.mjs';
// @ts-expect-error: plain ESM module without types
import { freePort as free } from '../../scripts/lib/pebble.mjs';

export interface ApacheInstance {
  serverRoot: string;
  layout: 'debian' | 'rhel';
  ctl: string;
  httpPort: number;
  sites: { name: string; aliases?: string[]; docroot: string }[];
  logs: string;
  control(action: string): string;
  start(): void;
  stop(): void;
  pid(): number | null;
}

export const createApache = create as (o: {
  dir: string;
  layout?: 'debian' | 'rhel';
  httpPort: number;
  tlsPort?: number;
  sites?: { name: string; aliases?: string[] }[];
}) => ApacheInstance;
export const freePort = free as () => Promise<number>;
