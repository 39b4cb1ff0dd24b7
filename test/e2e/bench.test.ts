import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';

it('npm run bench -- --record writes the whole results file from one run of every suite (tiny scale)', () => {
  for (const [cmd, pkg] of [
    ['hyperfine', 'hyperfine'],
    ['openssl', 'openssl'],
    ['pebble', 'pebble'],
    ['certbot', 'certbot'],
    ['lego', 'lego'],
    ['ssl-cert-check', 'ssl-cert-check'],
    ['/usr/bin/time', 'time'],
  ])
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0)
      throw new Error(`${cmd} is missing: install the Debian package "${pkg}"`);
  const out = join(tempDir(), 'RESULTS.md');
  const runId = randomUUID();
  const r = spawnSync(process.execPath, [join(ROOT, 'bench/run.mjs'), '--record'], {
    env: {
      ...process.env,
      CERTKIT_BENCH_SCALE: '0.005',
      CERTKIT_BENCH_OUT: out,
      CERTKIT_BENCH_RUN_ID: runId,
    },
    encoding: 'utf8',
    timeout: 240_000,
  });
  expect(r.status, r.stderr).toBe(0);
  expect(existsSync(out)).toBe(true);
  const md = readFileSync(out, 'utf8');
  expect(md).toContain('do not edit by hand');
  expect(md).toContain(`- run: ${runId}`);
  expect(md).toMatch(/^- commit: [0-9a-f]{7,}/m);
  expect(md).toMatch(/^- peers: certbot: .+; lego: .+; openssl: .+/m);
  // the table rows in the file are the rows this run printed
  const fileRows = md
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| benchmark') && !l.startsWith('| ---'));
  // every suite wrote its rows, lego beside certbot, each median with its spread or run count
  for (const suiteRow of [
    /^\| certkit --version vs a bare node -e 0 /,
    /^\| key --type ecdsa-p256 /,
    /^\| request 1 name \(wall\) vs certbot /,
    /^\| request 1 name \(wall\) vs lego /,
    /^\| request 1 name \(CPU user\+sys\) vs lego /,
    /^\| check a directory of 50 certificates /,
    /^\| verify one chain /,
  ])
    expect(
      fileRows.some((l) => suiteRow.test(l)),
      `${suiteRow}\n${md}`,
    ).toBe(true);
  expect(fileRows.length).toBeGreaterThanOrEqual(12);
  for (const row of fileRows)
    expect(row.split(' | ')[1]).toMatch(/ \((\d+(\.\d+)?–\d+(\.\d+)? \S+, \d+ runs|1 run|mean of \d+)\)$/);
  for (const row of fileRows) {
    const [name, certkit] = row.split(' | ').map((c) => c.replace(/^\| /, '').trim());
    expect(name).not.toMatch(/FAILED/);
    expect(r.stdout).toMatch(
      new RegExp(
        `${name!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${certkit!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
    );
  }
}, 300_000);
