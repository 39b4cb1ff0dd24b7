/** What every command gets: the global flags, resolved once. */
import { defaultStoreRoot } from '../store/paths.js';
import type { CertkitConfig } from '../config/load.js';

export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
  color?: boolean;
  config?: string;
  store?: string;
}

export interface Context {
  json: boolean;
  quiet: boolean;
  debug: boolean;
  color: boolean;
  tty: boolean;
  configFile?: string;
  config: CertkitConfig;
  storeRoot: string;
  out: (line?: string) => void;
  err: (line: string) => void;
  /** progress lines: only on a TTY and not --quiet/--json */
  progress: (line: string) => void;
}

export function makeContext(
  g: GlobalOptions,
  config: CertkitConfig = {},
  env: NodeJS.ProcessEnv = process.env,
): Context {
  const tty = !!process.stdout.isTTY;
  const color =
    g.color !== false && !('NO_COLOR' in env && env.NO_COLOR !== '') && tty && env.TERM !== 'dumb';
  const json = !!g.json;
  const quiet = !!g.quiet;
  return {
    json,
    quiet,
    debug: !!g.debug,
    color,
    tty,
    configFile: g.config,
    config,
    storeRoot: g.store ?? config.store ?? defaultStoreRoot(env),
    out: (line = '') => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    progress: (line) => {
      if (tty && !quiet && !json && process.stderr.isTTY) process.stderr.write(line + '\n');
    },
  };
}
