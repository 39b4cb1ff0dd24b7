/** QA round 4: usage errors as a new user meets them; each failed on the old code. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certkit, ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';

describe('a usage error from the option parser', () => {
  it("is one line, commander's suggestion in the hint (it came on two more lines)", () => {
    const r = certkit(['key', '--out', '/nonexistent/k', '--typ', 'rsa-2048']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "certkit: unknown option '--typ' (did you mean --type?; run with --help for usage)\n",
    );
    const json = certkit(['--json', 'key', '--out', '/nonexistent/k', '--typ', 'rsa-2048']);
    expect(JSON.parse(json.stderr)).toEqual({
      error: {
        kind: 'usage',
        message: "unknown option '--typ'",
        hint: 'did you mean --type?; run with --help for usage',
      },
    });
  });

  it('account register takes --no-email as request does (it was an unknown option)', () => {
    const r = certkit(['account', 'register', '--no-email', '--dry-run']);
    expect(r.stderr).not.toMatch(/unknown option/);
    expect(r.code).toBe(2); // no --agree-tos: refused, in one line
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('docs/json.md', () => {
  it('names every field of list --json (broken, renewal, deployPending, revoked were missing)', () => {
    const store = join(tempDir(), 'store');
    const csr = certkit(['--store', store, 'csr', '-d', 'docs.example.com', '--out-dir', tempDir()]);
    expect(csr.code, csr.stderr).toBe(0);
    const listed = JSON.parse(certkit(['--store', store, '--json', 'list']).stdout) as {
      lineages: Record<string, unknown>[];
    };
    const doc = readFileSync(join(ROOT, 'docs/json.md'), 'utf8');
    const line = doc.split('\n').find((l) => l.startsWith('- `list`:')) ?? '';
    const fields = Object.keys(listed.lineages[0] ?? {});
    expect(fields.length).toBeGreaterThan(10);
    for (const f of fields) expect(line, f).toMatch(new RegExp(`[{ ]${f}[,:}]`));
  });
});

describe('--quiet on success', () => {
  it('schedule install and remove print nothing (they said what they did)', () => {
    const root = tempDir();
    const store = join(tempDir(), 'store');
    const install = certkit(['--quiet', '--store', store, 'schedule', 'install', '--root', root, '--cron']);
    expect(install).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(root, 'etc/cron.d/certkit'), 'utf8')).toMatch(/renew/);
    const remove = certkit(['--quiet', '--store', store, 'schedule', 'remove', '--root', root]);
    expect(remove).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('--name in another case', () => {
  it('"no lineage named" names the lineage meant (it said only "see certkit list"), renew before its random wait', () => {
    const store = join(tempDir(), 'store');
    const csr = certkit(['--store', store, 'csr', '-d', 'case.example.com', '--out-dir', tempDir()]);
    expect(csr.code, csr.stderr).toBe(0);
    for (const args of [
      ['renew', '--name', 'Case.Example.COM'],
      ['revoke', '--name', 'case.example.com.', '--yes'],
    ]) {
      const r = certkit(['--store', store, ...args], { timeoutMs: 20_000 });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/no lineage named .*did you mean "case\.example\.com"\?/);
    }
  });
});
