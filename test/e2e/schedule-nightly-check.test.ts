/**
 * QA run: the schedule (schedule install, and the one request sets up) wrote `certkit --quiet check` with no
 * targets, which is exit 3 "nothing to check" every night. Without check.targets in a config file the nightly
 * check checks the store; with them it checks them.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certkit } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';

const cronLine = (root: string, what: RegExp) => {
  const line = readFileSync(join(root, 'etc/cron.d/certkit'), 'utf8')
    .split('\n')
    .find((l) => what.test(l));
  expect(line).toBeDefined();
  return line!.replace(/^\S+ \S+ \S+ \S+ \S+ root /, '');
};

describe('the nightly check the schedule installs', () => {
  it('checks the store when no config lists check.targets: it runs and checks its lineages', () => {
    const root = tempDir();
    const store = join(root, 'store');
    expect(certkit(['--store', store, 'selfsigned', '-d', 'a.example.com']).code).toBe(0);
    const r = certkit(['--store', store, 'schedule', 'install', '--root', root, '--cron']);
    expect(r.code, r.stderr).toBe(0);
    const check = cronLine(root, / --quiet check/);
    expect(check).toMatch(/ --quiet check store$/);
    const run = (cmd: string) => spawnSync('sh', ['-c', cmd], { env: { ...process.env, NO_COLOR: '1' } });
    // it checks the lineage: WARNING self-signed (exit 1), not exit 3 "nothing to check"
    const quiet = run(check);
    expect(quiet.status, quiet.stderr.toString()).toBe(1);
    expect(run(check.replace(' --quiet', '')).stdout.toString()).toMatch(
      /WARNING +store:a\.example\.com .*self-signed/,
    );
  });

  it('checks the config file targets when it lists check.targets (no extra target added)', () => {
    const root = tempDir();
    const cfg = join(root, 'config.json');
    writeFileSync(cfg, JSON.stringify({ check: { targets: ['store'] } }));
    const r = certkit([
      '--config',
      cfg,
      '--store',
      join(root, 'store'),
      'schedule',
      'install',
      '--root',
      root,
      '--cron',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(cronLine(root, / --quiet check/)).toMatch(/ --quiet check$/);
  });

  it('--json of schedule install, show and remove carries schemaVersion (QA run: it was missing)', () => {
    const root = tempDir();
    for (const args of [
      ['install', '--cron', '--dry-run'],
      ['install', '--cron'],
      ['show'],
      ['remove', '--dry-run'],
      ['remove'],
    ]) {
      const r = certkit(['--json', 'schedule', ...args, '--root', root]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).schemaVersion, args.join(' ')).toBe(1);
    }
  });
});
