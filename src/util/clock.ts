/**
 * The one clock of a run: read once at start-up (CERTKIT_NOW=2027-01-01T00:00:00Z sets it for tests and
 * what-if runs) and passed down as a parameter, so every days/expiry figure of a run agrees.
 */
import { CertkitError } from '../errors.js';

export function readNow(env: NodeJS.ProcessEnv = process.env, real: () => Date = () => new Date()): Date {
  const v = env.CERTKIT_NOW;
  if (!v) return real();
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new CertkitError(
      'usage',
      `CERTKIT_NOW="${v}" is not a date`,
      'use an ISO 8601 time, e.g. 2027-01-01T00:00:00Z',
    );
  return d;
}
