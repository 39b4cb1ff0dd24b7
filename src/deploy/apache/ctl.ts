/**
 * Control commands, always against the tree being changed: Debian's apache2ctl with APACHE_CONFDIR (it reads
 * that tree's envvars and passes -d), or the httpd binary with -d ServerRoot -f MAIN and the layout's -D flags.
 * `--ctl CMD` replaces both (CMD configtest / graceful / start / stop / -v / -S); on a Debian-layout tree it
 * also gets APACHE_CONFDIR, so a wrapper that calls apache2ctl acts on that tree.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CertkitError } from '../../errors.js';
import type { ApacheConfig } from './config.js';
import { apacheCause, parseDumpVhosts, type DumpedVhost } from './dump.js';

export interface Ctl {
  run(
    action: 'configtest' | 'graceful' | 'start' | 'stop' | '-v' | '-S',
  ): Promise<{ code: number; output: string }>;
  describe: string;
}

const HTTPD_CANDIDATES = ['/usr/sbin/httpd', '/usr/sbin/apache2'];

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function makeCtl(cfg: ApacheConfig, ctl?: string, env: NodeJS.ProcessEnv = process.env): Ctl {
  let command: (action: string) => string;
  let describe: string;
  const childEnv: NodeJS.ProcessEnv = { ...env };
  // a --ctl wrapper that calls apache2ctl acts on this tree too, not on /etc/apache2's instance
  if (cfg.layout === 'debian') childEnv.APACHE_CONFDIR = cfg.serverRoot;
  if (ctl) {
    command = (a) => `${ctl} ${a}`;
    describe = ctl;
  } else if (cfg.layout === 'debian') {
    command = (a) => `apache2ctl ${a}`;
    describe = `APACHE_CONFDIR=${cfg.serverRoot} apache2ctl`;
  } else {
    const httpd = HTTPD_CANDIDATES.find((p) => existsSync(p)) ?? 'httpd';
    const base = [
      httpd,
      '-d',
      cfg.httpdRoot,
      '-f',
      cfg.mainFile,
      ...cfg.layoutSpec.defines.flatMap((d) => ['-D', d]),
    ]
      .map(shellQuote)
      .join(' ');
    const args: Record<string, string> = { configtest: '-t', '-v': '-v', '-S': '-S' };
    command = (a) => (a === '-v' ? `${shellQuote(httpd)} -v` : `${base} ${args[a] ?? `-k ${a}`}`);
    describe = base;
  }
  return {
    describe,
    run: (action) =>
      new Promise((resolve) => {
        const child = spawn('/bin/sh', ['-c', command(action)], {
          env: childEnv,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        child.on('close', (code) => resolve({ code: code ?? -1, output: output.trim() }));
        child.on('error', () => resolve({ code: 127, output: `cannot run ${describe}` }));
      }),
  };
}

export async function configtest(ctl: Ctl, when: 'before' | 'after'): Promise<void> {
  const r = await ctl.run('configtest');
  if (r.code === 127 || (/not found/.test(r.output) && r.code !== 0 && !/Syntax/.test(r.output))) {
    throw new CertkitError(
      'environment',
      `cannot run ${ctl.describe}: ${r.output.split('\n').pop()}`,
      'give the control command with --ctl',
    );
  }
  if (r.code !== 0) {
    const cause = apacheCause(r.output);
    if (when === 'before')
      throw new CertkitError(
        'environment',
        `the Apache configuration already fails its test (${cause}); certkit changed nothing`,
        `fix it first (${ctl.describe} configtest)`,
      );
    throw new CertkitError('deploy', `the new Apache configuration fails its test: ${cause}`);
  }
}

/** What Apache itself reports (`-S`), or why it could not be asked (its AH line, else its last line). */
export async function askApache(ctl: Ctl): Promise<{ vhosts: DumpedVhost[] } | { cause: string }> {
  const r = await ctl.run('-S');
  if (r.code !== 0 || !/VirtualHost configuration:/.test(r.output))
    return { cause: r.code === 127 ? r.output : apacheCause(r.output) };
  return { vhosts: parseDumpVhosts(r.output) };
}

/** What Apache itself reports (`-S`), or null when it cannot be asked. */
export async function dumpVhosts(ctl: Ctl): Promise<DumpedVhost[] | null> {
  const asked = await askApache(ctl);
  return 'vhosts' in asked ? asked.vhosts : null;
}

export async function apacheVersion(ctl: Ctl): Promise<[number, number, number] | null> {
  const r = await ctl.run('-v');
  const m = /Apache\/(\d+)\.(\d+)\.(\d+)/.exec(r.output);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export function defaultServerRoot(): string {
  for (const d of ['/etc/apache2', '/etc/httpd']) if (existsSync(d)) return d;
  throw new CertkitError(
    'not-found',
    'no Apache configuration found in /etc/apache2 or /etc/httpd',
    'give it with --server-root',
  );
}
