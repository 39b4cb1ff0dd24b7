import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certkit } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';
import { freePort } from '../helpers/apache.js';

const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;

/** systemd's own unit checker on these files (throws with its complaint, or naming the package it needs). */
function systemdAnalyzeVerify(dir: string, units: string[]): void {
  if (!hasAnalyze)
    throw new Error('systemd-analyze is missing: install the Debian package "systemd" to verify the units');
  execFileSync('systemd-analyze', ['verify', '--man=no', ...units.map((u) => `./${u}`)], {
    cwd: dir,
    stdio: 'pipe',
  });
}

describe('certkit schedule', () => {
  it('systemd: installs check and renew units with RandomizedDelaySec and Persistent; systemd-analyze verify accepts them', () => {
    const root = tempDir();
    const cfg = join(root, 'config.json');
    writeFileSync(cfg, '{}');
    const r = certkit(['--config', cfg, 'schedule', 'install', '--root', root, '--systemd']);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(root, 'etc/systemd/system');
    const timer = readFileSync(join(dir, 'certkit-renew.timer'), 'utf8');
    expect(timer).toMatch(/RandomizedDelaySec=1h/);
    expect(timer).toMatch(/Persistent=true/);
    expect(readFileSync(join(dir, 'certkit-check.service'), 'utf8')).toMatch(
      /ExecStart=\/\S+node \S+certkit\.cjs --config \S+config\.json .*--quiet check/,
    );
    systemdAnalyzeVerify(dir, [
      'certkit-check.service',
      'certkit-check.timer',
      'certkit-renew.service',
      'certkit-renew.timer',
    ]);
    expect(certkit(['schedule', 'show', '--root', root]).stdout).toMatch(/certkit-check\.timer/);
    expect(certkit(['schedule', 'remove', '--root', root]).code).toBe(0);
    expect(existsSync(join(dir, 'certkit-check.timer'))).toBe(false);
  });

  it('--exporter: a certkit-exporter.service systemd-analyze accepts, whose ExecStart serves the store on /metrics; remove takes it away', async () => {
    const root = tempDir();
    const store = join(root, 'store');
    expect(certkit(['--store', store, 'selfsigned', '-d', 'exp.example.test']).code).toBe(0);
    const port = await freePort();
    const r = certkit([
      '--store',
      store,
      'schedule',
      'install',
      '--root',
      root,
      '--systemd',
      '--exporter',
      `127.0.0.1:${port}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(root, 'etc/systemd/system');
    const unit = readFileSync(join(dir, 'certkit-exporter.service'), 'utf8');
    expect(unit).toMatch(/^Type=simple$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
    systemdAnalyzeVerify(dir, ['certkit-exporter.service']);
    // run exactly what systemd would run (the words are safe: no quoting in the unit)
    const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(' ') ?? [];
    expect(exec.slice(-4)).toEqual(['exporter', 'store', '--listen', `127.0.0.1:${port}`]);
    const [program = '', ...args] = exec;
    const child = spawn(program, args, { stdio: 'ignore' });
    try {
      let body = '';
      for (let i = 0; i < 50 && !body.includes('exp.example.test'); i++) {
        await new Promise((res) => setTimeout(res, 200));
        body = await fetch(`http://127.0.0.1:${port}/metrics`).then(
          (x) => x.text(),
          () => '',
        );
      }
      expect(body).toMatch(/exp\.example\.test/);
      expect(body).toMatch(/^certkit_finding\{[^}]*self-signed/m);
    } finally {
      child.kill();
    }
    expect(certkit(['schedule', 'remove', '--root', root]).code).toBe(0);
    expect(existsSync(join(dir, 'certkit-exporter.service'))).toBe(false);
  });

  it('--exporter with --cron or a bad address: one line, exit 2, nothing written', () => {
    const root = tempDir();
    const cron = certkit(['schedule', 'install', '--root', root, '--cron', '--exporter']);
    expect(cron.code).toBe(2);
    expect(cron.stderr.trim().split('\n')[0]).toMatch(/exporter .*cron/);
    const bad = certkit(['schedule', 'install', '--root', root, '--systemd', '--exporter', '0.0.0.0:99999']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--exporter "0\.0\.0\.0:99999" is not an address:port/);
    expect(existsSync(join(root, 'etc'))).toBe(false);
  });

  it('cron: /etc/cron.d/certkit with a nightly check and a twice-daily renew', () => {
    const root = tempDir();
    expect(certkit(['schedule', 'install', '--root', root, '--cron']).code).toBe(0);
    const text = readFileSync(join(root, 'etc/cron.d/certkit'), 'utf8');
    expect(text).toMatch(/^17 3 \* \* \* root .* check store$/m);
    expect(text).toMatch(/^43 \*\/12 \* \* \* root .* renew$/m);
  });

  it('--dry-run prints and writes nothing', () => {
    const root = tempDir();
    const r = certkit(['schedule', 'install', '--root', root, '--cron', '--dry-run']);
    expect(r.stdout).toMatch(/etc\/cron\.d\/certkit/);
    expect(existsSync(join(root, 'etc'))).toBe(false);
  });
});
