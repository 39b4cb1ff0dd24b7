/** Asking before an irreversible act: on a terminal ask; otherwise refuse unless --yes was given. */
import { usageError } from '../errors.js';
import type { Context } from './context.js';
import { isTty as isTtyStream } from '../util/tty.js';

export async function confirmOrRefuse(
  ctx: Pick<Context, 'tty'>,
  yes: boolean,
  question: string,
  isTty = isTtyStream(process.stdin) && ctx.tty,
): Promise<void> {
  if (yes) return;
  if (!isTty)
    throw usageError(
      `${question.split('?')[0]}: refused without --yes when not on a terminal`,
      'add --yes in scripts',
    );
  const { confirm } = await import('@inquirer/prompts');
  if (!(await confirm({ message: question, default: false })))
    throw usageError('not confirmed; nothing was done');
}
