/** Turns a command's outcome into an exit code, and any error into one line (stack only with --debug). */
import { CertkitError, EXIT_CODES, systemError } from '../errors.js';
import type { Context } from './context.js';

export function reportError(ctx: Pick<Context, 'debug' | 'json' | 'err'>, thrown: unknown): number {
  const err = systemError(thrown) ?? thrown; // full disk, read-only, permissions: exit 8, not 70
  if (err instanceof CertkitError) {
    if (ctx.json)
      ctx.err(JSON.stringify({ error: { kind: err.kind, message: err.message, hint: err.hint ?? null } }));
    else {
      const lines = err.message.split('\n');
      lines.forEach((line, i) =>
        ctx.err(`certkit: ${line}${i === lines.length - 1 && err.hint ? ` (${err.hint})` : ''}`),
      );
    }
    if (ctx.debug && err.stack) ctx.err(err.stack);
    return EXIT_CODES[err.kind];
  }
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  const hint = 'run again with --debug and report it';
  if (ctx.json) ctx.err(JSON.stringify({ error: { kind: 'internal', message, hint } }));
  else ctx.err(`certkit: internal error: ${message} (${hint})`);
  if (ctx.debug && err instanceof Error && err.stack) ctx.err(err.stack);
  return EXIT_CODES.internal;
}
