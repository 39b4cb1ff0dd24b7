/** Numeric flags checked the same way by every command. */
import { CertkitError } from '../errors.js';

/** A count such as --concurrency: a whole number from 1 to max (0, "abc" or 2.5 are refused, not guessed at). */
export const count = (v: string | number | undefined, fallback: number, what: string, max: number) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new CertkitError('usage', `${what} must be a whole number from 1 to ${max}, not "${v}"`);
  return n;
};
