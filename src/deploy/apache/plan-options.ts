/**
 * What an Apache plan is asked for (the options) and what it answers with (the sites it serves, the plan).
 * Types only: every planner file shares them, plan.ts re-exports them.
 */
import type { Plan } from '../engine.js';
import type { Vhost } from './config.js';
import type { TlsProfile } from './profiles.js';

export interface ApachePlanOptions {
  lineage: string;
  /** the certificate's names */
  names: string[];
  fullchainPath: string;
  keyPath: string;
  /** which site: a ServerName, an alias, FILE:LINE, or an address like *:80 */
  vhost?: string;
  redirect: boolean;
  hsts: boolean;
  tls: TlsProfile;
  basicAuth?: { htpasswd: string; path: string };
  tlsPort: number;
  ocspStapling: boolean;
  /** Apache >= 2.4.60 knows (and needs) the UnsafeAllow3F rewrite flag */
  unsafeAllow3F: boolean;
  /** SHA-256 fingerprint of the certificate being installed (what verification expects) */
  fingerprint: string;
}

/** One site the certificate serves: its HTTP vhost (if any), its TLS vhost, and the names installed. */
export interface PlannedSite {
  http: Vhost | null;
  /** existing TLS vhost updated in place, or null when a twin is created */
  tls: Vhost | null;
  /** names of this site the certificate covers (ServerName first) */
  names: string[];
  /** names of the HTTP vhost the certificate does not cover: not redirected */
  uncovered: string[];
  /** names of the HTTP vhost another certkit install already serves over HTTPS on the port: redirected too */
  httpsElsewhere: string[];
  documentRoot: string | null;
  redirected: boolean;
}

export interface ApachePlan extends Plan {
  sites: PlannedSite[];
  /** vhosts that the module change turns on / off */
  woken: Vhost[];
  lost: Vhost[];
}
