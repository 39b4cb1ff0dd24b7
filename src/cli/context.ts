/** What every command gets: the global flags, resolved once. */
import { dirname, resolve } from 'node:path';
import { defaultStoreRoot } from '../store/paths.js';
import type { CertkitConfig } from '../config/load.js';
import { isTty } from '../util/tty.js';
import { readNow } from '../util/clock.js';

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
  /** the run's one clock (CERTKIT_NOW honoured): pass it down, never call new Date() for "now" */
  now: Date;
  out: (line?: string) => void;
  err: (line: string) => void;
  /** progress lines: only on a TTY and not --quiet/--json */
  progress: (line: string) => void;
}

/**
 * The store's absolute path: paths recorded in it (pending orders' key files) and written into schedules (cron's
 * working directory is /) must not depend on where a command was run. A relative `store` in the config file is
 * taken from the config file's directory.
 */
function storeRootOf(g: GlobalOptions, config: CertkitConfig, env: NodeJS.ProcessEnv): string {
  if (g.store !== undefined) return resolve(g.store);
  if (config.store !== undefined) return resolve(g.config ? dirname(g.config) : '.', config.store);
  return resolve(defaultStoreRoot(env));
}

export function makeContext(
  g: GlobalOptions,
  config: CertkitConfig = {},
  env: NodeJS.ProcessEnv = process.env,
  now: Date = readNow(env),
): Context {
  const tty = isTty(process.stdout);
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
    storeRoot: storeRootOf(g, config, env),
    now,
    out: (line = '') => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    progress: (line) => {
      if (tty && !quiet && !json && isTty(process.stderr)) process.stderr.write(line + '\n');
    },
  };
}
