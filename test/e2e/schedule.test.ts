import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certkit } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';

const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;

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
      /ExecStart=\/\S+node \S+certkit\.js --config \S+config\.json .*--quiet check/,
    );
    if (hasAnalyze) {
      execFileSync(
        'systemd-analyze',
        [
          'verify',
          '--man=no',
          './certkit-check.service',
          './certkit-check.timer',
          './certkit-renew.service',
          './certkit-renew.timer',
        ],
        { cwd: dir, stdio: 'pipe' },
      );
    } else {
      throw new Error('systemd-analyze is missing: install the Debian package "systemd" to verify the units');
    }
    expect(certkit(['schedule', 'show', '--root', root]).stdout).toMatch(/certkit-check\.timer/);
    expect(certkit(['schedule', 'remove', '--root', root]).code).toBe(0);
    expect(existsSync(join(dir, 'certkit-check.timer'))).toBe(false);
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
