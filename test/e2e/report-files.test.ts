/**
 * Files `check` rewrites every night (--prometheus, --html) keep the mode, owner and group the operator gave them;
 * numeric counts are refused, not guessed at (QA round 3: a 0640 metrics file came back 0644; --concurrency 0 ran
 * as 1 and renew's "abc" as 4).
 */
import { chmodSync, chownSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certkit } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';

describe('report files and counts', () => {
  it('--prometheus and --html rewrite an existing file keeping its mode, owner and group; a new one is 0644', () => {
    const dir = tempDir();
    const store = join(dir, 'store');
    expect(certkit(['--store', store, 'selfsigned', 'files.test']).code).toBe(0);
    const prom = join(dir, 'certkit.prom');
    writeFileSync(prom, '# old\n');
    chmodSync(prom, 0o640);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(prom, 0, 4);
    const html = join(dir, 'report.html');
    const r = certkit(['--store', store, 'check', 'store', '--prometheus', prom, '--html', html]);
    expect(r.stderr).toBe('');
    const p = statSync(prom);
    expect((p.mode & 0o777).toString(8)).toBe('640');
    if (asRoot) expect([p.uid, p.gid]).toEqual([0, 4]);
    expect(p.size).toBeGreaterThan(10);
    expect((statSync(html).mode & 0o777).toString(8)).toBe('644');
  });

  it.each([
    [['check', 'store', '--concurrency', '0'], 3, 4096],
    [['renew', '--concurrency', 'abc'], 2, 64],
    [['audit', '--concurrency', '2.5'], 3, 4096],
  ])('%j is refused in one line', (args, code, max) => {
    const store = join(tempDir(), 'store');
    const r = certkit(['--store', store, ...args]);
    expect([r.code, r.stderr.trim()]).toEqual([
      code,
      `certkit: --concurrency must be a whole number from 1 to ${max}, not "${args[args.length - 1]}"`,
    ]);
  });

  it('an unattended renew on a store that does not exist says so at once, not after its random wait of up to 2 minutes', () => {
    const store = join(tempDir(), 'no-store');
    const r = certkit(['--store', store, 'renew'], { timeoutMs: 20_000 });
    expect([r.code, r.stderr.trim()]).toEqual([
      3,
      expect.stringMatching(/^certkit: the store .* does not exist/),
    ]);
  });
});
