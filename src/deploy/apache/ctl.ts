/** Runs apache2ctl/apachectl (or --ctl), with APACHE_CONFDIR for a second Debian instance. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CertkitError } from '../../errors.js';
import type { Layout } from './config.js';

export interface Ctl {
  run(action: string): Promise<{ code: number; output: string }>;
  describe: string;
}

export function makeCtl(serverRoot: string, layout: Layout, ctl?: string): Ctl {
  const cmd = ctl ?? (layout === 'debian' ? 'apache2ctl' : 'apachectl');
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (layout === 'debian' && serverRoot.replace(/\/$/, '') !== '/etc/apache2')
    env.APACHE_CONFDIR = serverRoot;
  return {
    describe: `${env.APACHE_CONFDIR ? `APACHE_CONFDIR=${serverRoot} ` : ''}${cmd}`,
    run: (action) =>
      new Promise((resolve) => {
        const child = spawn('/bin/sh', ['-c', `${cmd} ${action}`], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.on('close', (code) => resolve({ code: code ?? -1, output: output.trim() }));
        child.on('error', () => resolve({ code: 127, output: `cannot run ${cmd}` }));
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
    const line = r.output
      .split('\n')
      .filter((l) => !/^\s*$/.test(l))
      .slice(-2)
      .join(' ');
    if (when === 'before')
      throw new CertkitError(
        'environment',
        `the Apache configuration already fails its test, so certkit changes nothing: ${line}`,
        'fix it first (apachectl configtest)',
      );
    throw new CertkitError('deploy', `the new Apache configuration fails its test: ${line}`);
  }
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
