/** How a challenge solver talks to the person at the terminal (manual dns-01/http-01 steps). */
import type { SolverIo } from '../acme/solvers/index.js';
import type { Context } from './context.js';
import { isTty } from '../util/tty.js';

export function solverIo(ctx: Context): SolverIo {
  return {
    interactive: isTty(process.stdin) && isTty(process.stdout),
    say: (l) => ctx.err(l),
    // after a solver has undone its changes on Ctrl-C / SIGTERM: the shell's conventional exit codes
    stopAfterSignal: (sig) => process.exit(sig === 'SIGINT' ? 130 : 143),
    waitEnter: () =>
      new Promise((resolve) => {
        process.stdin.resume();
        process.stdin.once('data', () => {
          process.stdin.pause();
          resolve();
        });
      }),
  };
}
