import { CertkitError } from '../../errors.js';
import { DnsHookSolver, ManualSolver } from './dns.js';
import { StandaloneSolver, WebrootSolver } from './http.js';
import { ApacheHttpSolver } from '../auto/apache-solver.js';
import type { ChallengeSettings, ChallengeSolver } from './types.js';

export interface SolverIo {
  say: (line: string) => void;
  waitEnter: () => Promise<void>;
  interactive: boolean;
  /** see ApacheRouteIo.stopAfterSignal */
  stopAfterSignal?: (sig: NodeJS.Signals) => void;
}

export function makeSolver(s: ChallengeSettings, io: SolverIo, wildcard: boolean): ChallengeSolver {
  switch (s.type) {
    case 'webroot':
      return new WebrootSolver(s.webroot);
    case 'standalone':
      return new StandaloneSolver(s.port, s.address);
    case 'dns-hook':
      return new DnsHookSolver(s.hook, s.resolver, (s.waitSeconds ?? 120) * 1000);
    case 'apache':
      return new ApacheHttpSolver(s, {
        say: io.say,
        challengeBase: process.env.CERTKIT_CHALLENGE_DIR,
        stopAfterSignal: io.stopAfterSignal,
      });
    case 'manual':
      if (!io.interactive) {
        throw new CertkitError(
          'usage',
          '--manual needs a terminal to wait for you',
          'use --webroot, --standalone or --dns-hook for unattended runs',
        );
      }
      return new ManualSolver(wildcard ? 'dns-01' : 'http-01', io.say, io.waitEnter);
  }
}

export type { ChallengeSettings, ChallengeSolver } from './types.js';
