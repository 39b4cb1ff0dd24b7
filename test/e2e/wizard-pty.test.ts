import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, certkit } from '../helpers/cli.js';
import { openssl, tempDir } from '../helpers/openssl.js';
import { TmuxSession } from '../helpers/tmux.js';

let session: TmuxSession | undefined;
afterEach(() => session?.kill());

describe('certkit csr --wizard in a real terminal (tmux)', () => {
  it('accepts typed input at the real prompts and writes key and CSR', async () => {
    const dir = tempDir();
    session = TmuxSession.start(
      `ck-wiz-${process.pid}`,
      `cd ${dir} && ${process.execPath} ${BIN} --store ${dir}/store csr --wizard --out-dir ${dir}/out`,
    );
    await session.waitFor(/What are you buying\?/);
    session.keys('Enter'); // DV, the default
    await session.waitFor(/Names the certificate must cover/);
    session.type('www.pty.example.com');
    session.keys('Enter');
    await session.waitFor(/Add pty\.example\.com too\?/);
    session.keys('y');
    session.keys('Enter');
    await session.waitFor(/Key type/);
    session.keys('Down'); // ECDSA P-384
    session.keys('Enter');
    await session.waitFor(/Create the key and CSR\?/);
    session.keys('Enter');
    const screen = await session.waitFor(/\[exit \d+\]/);
    expect(screen).toMatch(/\[exit 0\]/);
    expect(screen).toMatch(/Paste the CSR/);
    const csr = openssl(['req', '-in', join(dir, 'out', 'www.pty.example.com.csr'), '-noout', '-text']);
    expect(csr).toMatch(/DNS:www\.pty\.example\.com, DNS:pty\.example\.com/);
    expect(csr).toMatch(/secp384r1|P-384/);
  });

  it("refuses 'www.exa mple.com' and server.local at the real prompt, then takes comma-separated names", async () => {
    const dir = tempDir();
    session = TmuxSession.start(
      `ck-wiz-n-${process.pid}`,
      `cd ${dir} && ${process.execPath} ${BIN} --store ${dir}/store csr --wizard --out-dir ${dir}/out`,
    );
    await session.waitFor(/What are you buying\?/);
    session.keys('Enter');
    await session.waitFor(/Names the certificate must cover \(comma-separated\)/);
    session.type('www.exa mple.com');
    session.keys('Enter');
    await session.waitFor(/a name cannot contain spaces \(separate names with commas\)/);
    session.keys('C-u');
    session.type('server.local');
    session.keys('Enter');
    await session.waitFor(/"server\.local" is an internal name/);
    session.keys('C-u');
    session.type('www.ok.example.com, api.ok.example.com');
    session.keys('Enter');
    await session.waitFor(/Add ok\.example\.com too\?/);
    session.keys('n');
    session.keys('Enter');
    await session.waitFor(/Key type/);
    session.keys('Enter');
    await session.waitFor(/Create the key and CSR\?/);
    session.keys('Enter');
    const screen = await session.waitFor(/\[exit \d+\]/);
    expect(screen).toMatch(/\[exit 0\]/);
    const csr = openssl(['req', '-in', join(dir, 'out', 'www.ok.example.com.csr'), '-noout', '-text']);
    expect(csr).toMatch(/DNS:www\.ok\.example\.com, DNS:api\.ok\.example\.com\n/);
  });

  it('Ctrl-C leaves nothing written', async () => {
    const dir = tempDir();
    session = TmuxSession.start(
      `ck-wiz-c-${process.pid}`,
      `${process.execPath} ${BIN} --store ${dir}/store csr --wizard --out-dir ${dir}/out`,
    );
    await session.waitFor(/What are you buying\?/);
    session.keys('Enter');
    await session.waitFor(/Names the certificate/);
    session.type('www.half.example');
    session.keys('C-c');
    const screen = await session.waitFor(/\[exit \d+\]/);
    expect(screen).toMatch(/cancelled; nothing was written/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(existsSync(join(dir, 'store')) ? readdirSync(join(dir, 'store', 'lineages')) : []).toEqual([]);
  });
});

describe('certkit csr --wizard without a terminal', () => {
  it('stops with one line listing the missing flags', () => {
    const r = certkit(['csr', '--wizard', '--product', 'ov', '-d', 'x.example.com', '--out-dir', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/answers are missing: --org, --locality, --country, --yes/);
  });

  it('runs the same flow from flags alone', () => {
    const dir = tempDir();
    const r = certkit([
      '--store',
      join(dir, 's'),
      'csr',
      '--wizard',
      '--product',
      'wildcard',
      '-d',
      '*.flags.example.com',
      '-d',
      'flags.example.com',
      '--yes',
      '--out-dir',
      dir,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/import --cert FILE/);
    expect(existsSync(join(dir, 'wildcard.flags.example.com.csr'))).toBe(true);
  });
});
