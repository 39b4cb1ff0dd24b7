/**
 * A challenge solver makes the CA's check pass for one authorization and cleans up afterwards.
 * Contract: cleanup() is safe to call after a partial or failed present(), and more than once.
 */
export interface ChallengeContext {
  /** the identifier being validated (a DNS name without "*.", or an IP) */
  identifier: string;
  wildcard: boolean;
  token: string;
  /** what to serve: the key authorization for http-01, its SHA-256 digest (the TXT value) for dns-01 */
  keyAuthorization: string;
}

export interface ChallengeSolver {
  /** the ACME challenge type this solver answers */
  readonly type: 'http-01' | 'dns-01' | 'tls-alpn-01';
  /** set up once before any present() (e.g. start a server) */
  start?(): Promise<void>;
  present(ch: ChallengeContext): Promise<void>;
  cleanup(ch: ChallengeContext): Promise<void>;
  /** tear down once at the end (e.g. stop a server); safe after a failed start() */
  stop?(): Promise<void>;
  /** a description for progress and errors, e.g. "webroot /var/www/html" */
  describe(): string;
}

/** The stored form of a solver choice, enough to rebuild it for an unattended renewal. */
export type { ChallengeSettings } from '../../config/schemas.js';
