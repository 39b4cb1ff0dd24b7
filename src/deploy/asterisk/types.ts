/**
 * The vocabulary of an Asterisk install plan: the TLS parts, their default ports and reload commands, the
 * planner's options, each part's listener (endpoint) and the plan itself.
 */
import type { Plan } from '../engine.js';

export type AsteriskPart = 'pjsip' | 'http' | 'manager' | 'sip';
export const PARTS: AsteriskPart[] = ['pjsip', 'http', 'manager', 'sip'];

export interface AsteriskPlanOptions {
  lineage: string;
  configDir: string;
  keysDir: string;
  parts?: AsteriskPart[];
  binds?: Partial<Record<AsteriskPart, string>>;
  method: 'tlsv1_2' | 'sslv23';
  fullchainPem: string;
  keyPem: string;
  /** the asterisk group's id when it exists: new keys 0640 root:asterisk; else 0600 */
  asteriskGid: number | null;
  /** uid new files are owned by (root) */
  uid: number;
  /** the host name verified (SNI) and the leaf's SHA-256 fingerprint every part must serve */
  name: string;
  fingerprint: string;
  /** the time set on configuration files touched so their module re-reads TLS */
  nowMs: number;
  /** where the parts are reached for verification (default: the bind address, loopback for 0.0.0.0) */
  verifyHost?: string;
}

export interface Endpoint {
  part: AsteriskPart;
  /** the transport or file, for messages */
  what: string;
  bind: string;
  host: string;
  port: number;
  /** where it listened before, when certkit moves it (a rollback is checked there) */
  was?: { host: string; port: number };
}

export interface AsteriskPlan extends Plan {
  parts: AsteriskPart[];
  /** each part's listener, verified on its own port */
  endpoints: Endpoint[];
  /** what each written file is for, for the report */
  roles: Map<string, string>;
}

export const RELOAD_COMMANDS: Record<AsteriskPart, string> = {
  pjsip: 'module reload res_pjsip.so',
  http: 'module reload http',
  manager: 'manager reload',
  sip: 'sip reload',
};

export const DEFAULT_PORTS: Record<AsteriskPart, number> = {
  pjsip: 5061,
  http: 8089,
  manager: 5039,
  sip: 5061,
};
