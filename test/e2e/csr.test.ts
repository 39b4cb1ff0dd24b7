import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, existsSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
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
        '8.8.8.8',
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
      expect(text).toMatch(/DNS:shop\.example\.com, DNS:www\.shop\.example\.com, IP Address:8\.8\.8\.8\n/);
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

  it('uses an existing key; the CN is one of the SANs', () => {
    const dir = tempDir();
    certkit(['key', '--out', join(dir, 'my.key')]);
    const r = certkitJson([
      'csr',
      '--no-pending',
      '-d',
      'b.example.com',
      '-d',
      'a.example.com',
      '--cn',
      'a.example.com',
      '--key',
      join(dir, 'my.key'),
      '--out-dir',
      dir,
    ]);
    expect(r.keyFile).toBeNull();
    expect(r.names).toEqual(['b.example.com', 'a.example.com']);
    expect(r.subject.commonName).toBe('a.example.com');
    expect(reqText(r.csrFile)).toMatch(/DNS:b\.example\.com, DNS:a\.example\.com/);
  });

  it('converts IDNs to punycode with a note', () => {
    const dir = tempDir();
    const r = certkit(['--store', join(dir, 's'), 'csr', '-d', 'bücher.example.de', '--out-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/punycode form xn--bcher-kva\.example\.de/);
    expect(reqText(join(dir, 'xn--bcher-kva.example.de.csr'))).toMatch(/DNS:xn--bcher-kva\.example\.de/);
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
    // QA: xn--zz.de was accepted; an xn-- label must decode, and encode back to itself
    [
      'punycode that decodes',
      ['-d', 'xn--zz.de'],
      /label "xn--zz" starts with xn-- but is not valid punycode/,
    ],
    ['punycode in any label', ['-d', 'shop.xn--abcd.example.com'], /label "xn--abcd" starts with xn--/],
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
    expect(certkit(['--store', join(dir, 'store'), 'list']).stdout).toMatch(
      /pending order \d{8}-\d{6}-[0-9a-f]{6} \(0 days\)/,
    );
  });
});

describe('names, paths and secrets are checked before anything is written (issue 14 item 3)', () => {
  for (const extra of [[], ['--no-pending']]) {
    it(`csr --name ../victim/server --force ${extra.join(' ')} writes nothing outside --out-dir`, () => {
      const dir = tempDir();
      mkdirSync(join(dir, 'victim'));
      writeFileSync(join(dir, 'victim', 'server.key'), 'precious key\n');
      writeFileSync(join(dir, 'victim', 'server.csr'), 'precious csr\n');
      const out = join(dir, 'out');
      mkdirSync(out);
      const r = certkit([
        '--store',
        join(dir, 'store'),
        'csr',
        '-d',
        'www.example.com',
        '--name',
        '../victim/server',
        '--force',
        ...extra,
        '--out-dir',
        out,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(/^certkit: "\.\.\/victim\/server" is not a valid lineage name/);
      expect(readFileSync(join(dir, 'victim', 'server.key'), 'utf8')).toBe('precious key\n');
      expect(readFileSync(join(dir, 'victim', 'server.csr'), 'utf8')).toBe('precious csr\n');
      expect(readdirSync(join(dir, 'victim')).sort()).toEqual(['server.csr', 'server.key']);
      expect(readdirSync(out)).toEqual([]);
      expect(existsSync(join(dir, 'store'))).toBe(false);
    });
  }

  it('key --passphrase-file EMPTYFILE is refused: an empty passphrase never yields an unencrypted key', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'empty'), '');
    writeFileSync(join(dir, 'newline'), '\n');
    for (const pass of ['empty', 'newline']) {
      const r = certkit(['key', '--out', join(dir, 'k.pem'), '--passphrase-file', join(dir, pass)]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(/^certkit: the passphrase file .* is empty; nothing was written/);
      expect(existsSync(join(dir, 'k.pem'))).toBe(false);
    }
  });

  it("'www.exa mple.com' is refused, not split into two names", () => {
    const dir = tempDir();
    const r = certkit([
      '--store',
      join(dir, 's'),
      'csr',
      '-d',
      'www.exa mple.com',
      '--out-dir',
      join(dir, 'o'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"www\.exa mple\.com": a name cannot contain spaces/);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });
});

describe('bounded input: regular files only, with a size cap (issue 14 item 5)', () => {
  it('refuses a device, a FIFO and a directory as --key or --passphrase-file, without hanging', () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    for (const [flag, path, kind] of [
      ['--key', '/dev/zero', 'a device'],
      ['--key', join(dir, 'fifo'), 'a named pipe \\(FIFO\\)'],
      ['--key', dir, 'a directory'],
      ['--passphrase-file', '/dev/zero', 'a device'],
      ['--passphrase-file', join(dir, 'fifo'), 'a named pipe \\(FIFO\\)'],
    ] as const) {
      const r = certkit(
        ['csr', '--no-pending', '-d', 'www.example.com', flag, path, '--out-dir', join(dir, 'o')],
        {
          timeoutMs: 15_000,
        },
      );
      expect(r.code, `${flag} ${path}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim()).toMatch(
        new RegExp(`^certkit: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is ${kind}, not a file`),
      );
    }
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });

  it('refuses a key file over the cap with its size', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'huge.pem'), Buffer.alloc(300 * 1024, 'A'));
    const r = certkit([
      'csr',
      '--no-pending',
      '-d',
      'www.example.com',
      '--key',
      join(dir, 'huge.pem'),
      '--out-dir',
      dir,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^certkit: .*huge\.pem: larger than 0\.25 MiB \(the most certkit reads for a private key\)/,
    );
  });
});
