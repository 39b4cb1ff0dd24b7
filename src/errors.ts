/**
 * Typed errors. Every failure a user can meet is one of these kinds; the CLI maps the kind to an exit
 * code (see EXIT_CODES) and prints `certkit: <message>` plus the hint on one line. The library never exits.
 */
export type ErrorKind =
  | 'usage' // bad flags or arguments
  | 'input' // unreadable or invalid file content
  | 'policy' // a rule refuses the request (CA/B rules, expired cert, names differ)
  | 'not-found' // a lineage, file or key that does not exist
  | 'locked' // another certkit run holds the store lock
  | 'ca' // the ACME server refused or failed
  | 'network' // a connection, DNS or timeout failure
  | 'deploy' // a deploy failed and was rolled back
  | 'environment' // a missing program, permission, or system state
  | 'internal';

export const EXIT_CODES: Record<ErrorKind, number> = {
  usage: 2,
  input: 2,
  policy: 2,
  'not-found': 3,
  locked: 4,
  ca: 5,
  network: 6,
  deploy: 7,
  environment: 8,
  internal: 70,
};

export class CertkitError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;
  constructor(kind: ErrorKind, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertkitError';
    this.kind = kind;
    this.hint = hint;
  }
}

/** A request that breaks several rules at once: one line per broken rule. */
export class RuleViolationError extends CertkitError {
  readonly violations: { rule: string; message: string }[];
  constructor(violations: { rule: string; message: string }[], hint?: string) {
    super('policy', violations.map((v) => `${v.message} [${v.rule}]`).join('\n'), hint);
    this.violations = violations;
  }
}

export const inputError = (message: string, hint?: string) => new CertkitError('input', message, hint);
export const usageError = (message: string, hint?: string) => new CertkitError('usage', message, hint);

/** What the system said, in words (for the errors below). */
const SYSTEM_CODES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'a directory is in the way',
  ENOTDIR: 'a file is in the way of a directory',
};

/**
 * A full disk, a read-only file system or a permission problem, as one line naming the path (exit 8);
 * null for any other error. Library code uses it where it touches the file system.
 */
export function systemError(err: unknown): CertkitError | null {
  if (err instanceof CertkitError) return null;
  if (!err || typeof err !== 'object') return null;
  const e = err as NodeJS.ErrnoException;
  const words = e.code ? SYSTEM_CODES[e.code] : undefined;
  if (!words) return null;
  return new CertkitError(
    'environment',
    `${e.syscall ?? 'access'} ${e.path ?? ''}: ${words} (${e.code})`.replace('  ', ' '),
    e.code === 'EACCES' || e.code === 'EPERM'
      ? 'run as the user that owns the store, or fix its permissions'
      : 'free space, or make it writable, and run again',
    { cause: err },
  );
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
