/** What an ACME lineage stores so that `certkit renew` can run it unattended. */
import type { ChallengeSettings } from './solvers/types.js';

export interface AcmeLineageSettings {
  directoryUrl: string;
  email?: string;
  challenge: ChallengeSettings;
  keyType: string;
  reuseKey: boolean;
  profile?: string;
  preferredChain?: string;
  names: string[];
}
