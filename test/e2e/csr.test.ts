import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certkit, certkitJson } from '../helpers/cli.js';
import { openssl, tempDir } from '../helpers/openssl.js';

function reqText(csrFile: string): string {
  return openssl(['req', '-in', csrFile, '-noout', '-text', '-nameopt', 'RFC2253']);
}

describe('certkit key', () => {
  for (const type of ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072']) {
    it(`${type}: 0600, atomically, readable by openssl`, () => {
      const dir = tempDir();
      const out = join(dir, 'k.pem');
      const r = certkit(['key', '--type', type, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(statSync(out).mode & 0o777).toBe(0o600);
      const text = openssl(['pkey', '-in', out, '-noout', '-text']);
      if (type.startsWith('rsa')) expect(text).toContain(`(${type.slice(4)} bit`);
      else expect(text).toContain(type === 'ecdsa-p256' ? 'prime256v1' : 'secp384r1');
      expect(readdirSync(dir)).toEqual(['k.pem']); // no temp file left
    });
  }

  it('refuses to overwrite without --force, leaving the file as it was', () => {
    const out = join(tempDir(), 'k.pem');
    certkit(['key', '--out', out]);
    const before = readFileSync(out);
    const r = certkit(['key', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already exists/);
    expect(readFileSync(out)).toEqual(before);
    expect(certkit(['key', '--out', out, '--force']).code).toBe(0);
    expect(readFileSync(out)).not.toEqual(before);
  });

  it('refuses a directory that does not exist instead of creating it', () => {
    const out = join(tempDir(), 'missing', 'k.pem');
    const r = certkit(['key', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^certkit: the directory .*missing does not exist; nothing was written/);
    expect(existsSync(join(out, '..'))).toBe(false);
  });

  it('encrypts with AES-256 from a passphrase file; openssl needs the passphrase to read it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'pass'), 'correct horse\n');
    const out = join(dir, 'enc.pem');
    expect(certkit(['key', '--out', out, '--passphrase-file', join(dir, 'pass')]).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    expect(() => openssl(['pkey', '-in', out, '-passin', 'pass:wrong', '-noout'])).toThrow();
    expect(openssl(['pkey', '-in', out, '-passin', 'pass:correct horse', '-noout', '-text'])).toContain(
      'prime256v1',
    );
  });
});

describe('certkit csr', () => {
  for (const keyType of ['rsa-2048', 'ecdsa-p256', 'ecdsa-p384']) {
    it(`${keyType}: passes openssl req -verify with exactly the requested subject and SANs`, () => {
      const dir = tempDir();
      const r = certkitJson([
        '--store',
        join(dir, 'store'),
        'csr',
        '-d',
        'shop.example.com',
        '-d',
        'www.shop.example.com',
        '-d',
        '192.0.2.7',
        '--org',
        'Example Ltd',
        '--locality',
        'London',
        '--state',
        'Greater London',
        '--country',
        'gb',
        '--key-type',
        keyType,
        '--out-dir',
        dir,
      ]);
      expect(
        execFileSync('openssl', ['req', '-in', r.csrFile, '-verify', '-noout'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }).toString() + 'ok',
      ).toMatch(/ok/);
      const text = reqText(r.csrFile);
      expect(text).toMatch(/Subject: CN=shop\.example\.com,O=Example Ltd,L=London,ST=Greater London,C=GB\n/);
      expect(text).toMatch(/DNS:shop\.example\.com, DNS:www\.shop\.example\.com, IP Address:192\.0\.2\.7\n/);
      expect(statSync(r.keyFile).mode & 0o777).toBe(0o600);
      expect(openssl(['pkey', '-in', r.keyFile, '-pubout'])).toBe(
        openssl(['req', '-in', r.csrFile, '-pubkey', '-noout']),
      );
      // DCV data derives from the DER CSR
      const der = execFileSync('openssl', ['req', '-in', r.csrFile, '-outform', 'DER']);
      const md5 = execFileSync('openssl', ['dgst', '-md5', '-r'], { input: der })
        .toString()
        .split(' ')[0]!
        .toUpperCase();
      expect(r.dcv.md5).toBe(md5);
      expect(r.dcv.httpFile.path).toBe(`/.well-known/pki-validation/${md5}.txt`);
      expect(r.dcv.cname.name).toBe(`_${md5}.shop.example.com`);
    });
  }

  it('uses an existing key, and the CN is always a SAN', () => {
    const dir = tempDir();
    certkit(['key', '--out', join(dir, 'my.key')]);
    const r = certkitJson([
      'csr',
      '--no-pending',
      '-d',
      'b.example.com',
      '--cn',
      'a.example.com',
      '--key',
      join(dir, 'my.key'),
      '--out-dir',
      dir,
    ]);
    expect(r.keyFile).toBeNull();
    expect(r.names).toEqual(['a.example.com', 'b.example.com']);
    expect(reqText(r.csrFile)).toMatch(/DNS:a\.example\.com, DNS:b\.example\.com/);
  });

  it('converts IDNs to punycode with a note', () => {
    const dir = tempDir();
    const r = certkit(['--store', join(dir, 's'), 'csr', '-d', 'bücher.example', '--out-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/punycode form xn--bcher-kva\.example/);
    expect(reqText(join(dir, 'xn--bcher-kva.example.csr'))).toMatch(/DNS:xn--bcher-kva\.example/);
  });

  const rules: [string, string[], RegExp][] = [
    ['no OU', ['--ou', 'IT'], /organizationalUnit \(OU\) is forbidden.*\[BR 7\.1\.4\.2 no OU\]/],
    [
      'no emailAddress',
      ['--email', 'it@example.com'],
      /emailAddress is not allowed.*\[BR 7\.1\.4\.2 no emailAddress\]/,
    ],
    [
      'country ISO 3166 (UK → GB)',
      ['--country', 'UK'],
      /country "UK" is not an ISO 3166 alpha-2 code: use GB/,
    ],
    [
      'CN at most 64 characters',
      ['--cn', `${'a'.repeat(60)}.example.com`],
      /common name is 72 characters; at most 64/,
    ],
    [
      'wildcard only as the whole leftmost label',
      ['-d', 'www*.example.com'],
      /wildcard may only be the whole leftmost label/,
    ],
    ['wildcard not deeper', ['-d', 'www.*.example.com'], /wildcard may only be the whole leftmost label/],
    ['valid host names', ['-d', 'bad_name.example.com'], /not a valid host name label/],
    ['RSA >= 2048', ['--key', 'RSA1024'], /RSA 1024 is too small.*\[BR 6\.1\.5 key size\]/],
    ['ECDSA P-256/P-384 only', ['--key', 'P521'], /curve secp521r1 is not accepted/],
  ];
  for (const [rule, ruleArgs, pattern] of rules) {
    it(`refuses: ${rule} (exit 2, nothing written)`, () => {
      const dir = tempDir();
      let args = ruleArgs;
      if (args[1] === 'RSA1024') {
        openssl([
          'genpkey',
          '-algorithm',
          'RSA',
          '-pkeyopt',
          'rsa_keygen_bits:1024',
          '-out',
          join(dir, 'weak.key'),
        ]);
        args = ['--key', join(dir, 'weak.key')];
      } else if (args[1] === 'P521') {
        openssl([
          'genpkey',
          '-algorithm',
          'EC',
          '-pkeyopt',
          'ec_paramgen_curve:P-521',
          '-out',
          join(dir, 'p521.key'),
        ]);
        args = ['--key', join(dir, 'p521.key')];
      }
      const out = join(dir, 'out');
      const r = certkit([
        '--store',
        join(dir, 'store'),
        'csr',
        '-d',
        'ok.example.com',
        ...args,
        '--out-dir',
        out,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(join(dir, 'store', 'lineages'))).toBe(false);
    });
  }

  it('one line per violation when several rules are broken', () => {
    const r = certkit([
      'csr',
      '--no-pending',
      '-d',
      'ok.example.com',
      '--ou',
      'IT',
      '--country',
      'UK',
      '--out-dir',
      join(tempDir(), 'o'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('records a pending order that certkit list shows with its age', () => {
    const dir = tempDir();
    certkit(['--store', join(dir, 'store'), 'csr', '-d', 'pending.example.com', '--out-dir', dir]);
    const list = certkitJson(['--store', join(dir, 'store'), 'list']);
    expect(list.lineages[0]).toMatchObject({
      name: 'pending.example.com',
      source: 'pending-csr',
      pendingDays: 0,
    });
    expect(certkit(['--store', join(dir, 'store'), 'list']).stdout).toMatch(/pending CSR \(0 days\)/);
  });
});
