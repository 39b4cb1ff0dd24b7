import { execFileSync } from 'node:child_process';
import { BIN, ROOT, certkit, type CliResult } from './cli.js';

/**
 * Runs certkit without root's power to read everything, when the tests run as root: in a new user namespace
 * (`unshare --user`: root keeps its owner rights but loses DAC override, and the checkout stays readable wherever
 * it is), else as nobody through setpriv (the checkout must then be readable by others). Both are util-linux.
 */
export function asUnprivileged(args: string[]): CliResult {
  if (process.getuid?.() !== 0) return certkit(args);
  const run = (cmd: string, pre: string[]) => {
    try {
      const stdout = execFileSync(cmd, [...pre, process.execPath, BIN, ...args], {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: ROOT,
      }).toString();
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { status: number | null; stdout?: Buffer; stderr?: Buffer };
      if (e.status === null || e.stdout === undefined)
        throw new Error(`${cmd} (Debian package util-linux) is needed to run this test as root`);
      return { code: e.status, stdout: e.stdout.toString(), stderr: e.stderr?.toString() ?? '' };
    }
  };
  const ns = run('unshare', ['--user']);
  if (!/^unshare: /m.test(ns.stderr)) return ns;
  return run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups']);
}
