/**
 * Issue 11 item 5: csr refuses what a public CA would refuse after the customer has paid and waited —
 * internal names, reserved addresses, a wildcard directly under a public suffix, a CN that is not a SAN,
 * an organisation without its address — each naming its rule and what to do; --private-ca lets the
 * internal names and addresses through.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certkit } from '../helpers/cli.js';
import { tempDir } from '../helpers/openssl.js';

function csr(args: string[]) {
  const dir = tempDir();
  const out = join(dir, 'out');
  const r = certkit(['--store', join(dir, 'store'), 'csr', ...args, '--out-dir', out]);
  return { ...r, dir, out };
}

function expectRefused(r: ReturnType<typeof csr>, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(r.out)).toBe(false);
  expect(existsSync(join(r.dir, 'store', 'lineages'))).toBe(false);
}

const INTERNAL = /\[BR 4\.2\.2 internal name\]/;
const RESERVED_IP = /\[BR 4\.2\.2 reserved IP address\]/;
const PRIVATE_HINT = /or --private-ca if an internal CA will sign it/;

const privateNames: [string, RegExp, RegExp][] = [
  ['server.local', /\.local is not a public top-level domain/, INTERNAL],
  ['host.internal', /\.internal is not a public top-level domain/, INTERNAL],
  ['pbx.office.lan', /\.lan is not a public top-level domain/, INTERNAL],
  ['nas.home.arpa', /\.home\.arpa is reserved for private networks/, INTERNAL],
  ['intranet', /single-label name/, INTERNAL],
  ['localhost', /single-label name/, INTERNAL],
  ['10.0.0.5', /private address, RFC 1918/, RESERVED_IP],
  ['172.31.255.255', /private address, RFC 1918/, RESERVED_IP],
  ['192.168.1.10', /private address, RFC 1918/, RESERVED_IP],
  ['127.0.0.1', /loopback/, RESERVED_IP],
  ['169.254.10.1', /link-local/, RESERVED_IP],
  ['100.64.0.1', /carrier-grade NAT/, RESERVED_IP],
  ['100.127.255.255', /carrier-grade NAT/, RESERVED_IP],
  ['fd12:3456::1', /unique local address/, RESERVED_IP],
  ['fe80::1', /link-local/, RESERVED_IP],
  ['::1', /loopback/, RESERVED_IP],
  ['::ffff:10.0.0.5', /private address, RFC 1918/, RESERVED_IP],
];

describe('csr refuses internal names and reserved addresses (issue 11 item 5)', () => {
  for (const [name, kind, rule] of privateNames) {
    it(`refuses ${name}, naming the rule; --private-ca lets it through`, () => {
      const refused = csr(['-d', name]);
      expectRefused(refused, kind);
      expect(refused.stderr).toMatch(rule);
      expect(refused.stderr).toMatch(PRIVATE_HINT);
      const allowed = csr(['-d', name, '--private-ca', '--name', 'internal']);
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(existsSync(join(allowed.out, 'internal.csr'))).toBe(true);
    });
  }

  // the range check is exact: the neighbours of each range are public addresses
  for (const ip of [
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '8.8.8.8',
    '2606:4700::1111',
  ]) {
    it(`accepts the public address ${ip}`, () => {
      const r = csr(['-d', 'www.example.com', '-d', ip]);
      expect(r.code, r.stderr).toBe(0);
    });
  }
});

describe('csr refuses a wildcard directly under a public suffix (Public Suffix List)', () => {
  for (const [name, suffix] of [
    ['*.co.uk', 'co.uk'],
    ['*.com', 'com'],
    ['*.github.io', 'github.io'],
  ]) {
    it(`refuses ${name}, even with --private-ca`, () => {
      for (const extra of [[], ['--private-ca']]) {
        const r = csr(['-d', name!, ...extra]);
        expectRefused(r, new RegExp(`under the public suffix ${suffix!.replace('.', '\\.')}`));
        expect(r.stderr).toMatch(/\[BR 3\.2\.2\.6 wildcard under a public suffix\]/);
      }
    });
  }
  it('refuses a bare public suffix as a name (co.uk), even with --private-ca', () => {
    for (const extra of [[], ['--private-ca']]) {
      const r = csr(['-d', 'co.uk', ...extra]);
      expectRefused(r, /"co\.uk" is a public suffix.*\[BR 3\.2\.2\.6 public suffix\]/);
    }
  });

  it('accepts an internationalised name given as valid punycode', () => {
    const r = csr(['-d', 'xn--bcher-kva.example.de']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^names xn--bcher-kva\.example\.de$/m);
  });

  it('accepts a wildcard under a registrable domain below a two-label suffix', () => {
    const r = csr(['-d', '*.example.co.uk', '-d', 'example.co.uk']);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('csr subject rules', () => {
  it('refuses a --cn that is not one of the names instead of adding it', () => {
    const r = csr(['-d', 'b.example.com', '--cn', 'a.example.com']);
    expectRefused(
      r,
      /common name "a\.example\.com" is not one of the names \(b\.example\.com\): add it with -d a\.example\.com/,
    );
    expect(r.stderr).toMatch(/\[BR 7\.1\.4\.3 CN must be a SAN\]/);
  });

  for (const [what, args] of [
    ['no country', ['--locality', 'Leeds']],
    ['no locality or state', ['--country', 'GB']],
  ] as const) {
    it(`refuses --org with ${what}`, () => {
      const r = csr(['-d', 'www.example.com', '--org', 'Example Ltd', ...args]);
      expectRefused(
        r,
        /organisation name needs the country and the locality or state.*add --country and --locality \(or --state\)/,
      );
      expect(r.stderr).toMatch(/\[BR 7\.1\.4\.2\.2 organizationName needs an address\]/);
    });
  }

  it('accepts --org with country and state', () => {
    const r = csr([
      '-d',
      'www.example.com',
      '--org',
      'Example Ltd',
      '--country',
      'GB',
      '--state',
      'Yorkshire',
    ]);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('domain-control data only where a public CA asks for it', () => {
  it('an IP address gets the HTTP file form only: no CNAME under an address, no approver mailboxes', () => {
    const dir = tempDir();
    const r = certkit([
      '--json',
      '--store',
      join(dir, 'store'),
      'csr',
      '-d',
      '8.8.8.8',
      '--out-dir',
      join(dir, 'out'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.schemaVersion).toBe(1);
    expect(j.dcv.cname).toBeNull();
    expect(j.dcv.approverEmails).toEqual([]);
    expect(j.dcv.httpFile.path).toMatch(/^\/\.well-known\/pki-validation\/[0-9A-F]{32}\.txt$/);
    const text = certkit([
      '--store',
      join(dir, 'store2'),
      'csr',
      '-d',
      '8.8.8.8',
      '--out-dir',
      join(dir, 'out2'),
    ]);
    expect(text.stdout).toMatch(/^DCV {3}file \/\.well-known/m);
    expect(text.stdout).not.toMatch(/CNAME/);
  });

  it('a wildcard order gets DNS or email only: CAs do not validate wildcards by an HTTP file (QA run)', () => {
    const dir = tempDir();
    const args = ['csr', '-d', '*.example.com', '-d', 'example.com'];
    const j = JSON.parse(
      certkit(['--json', '--store', join(dir, 's1'), ...args, '--out-dir', join(dir, 'o1')]).stdout,
    );
    expect(j.dcv.httpFile).toBeNull();
    expect(j.dcv.cname.name).toMatch(/^_[0-9A-F]{32}\.example\.com$/);
    expect(j.dcv.approverEmails).toContain('admin@example.com');
    const text = certkit(['--store', join(dir, 's2'), ...args, '--out-dir', join(dir, 'o2')]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^DCV {3}CNAME _[0-9A-F]{32}\.example\.com → .*or email to an approver address at example\.com/m,
    );
    expect(text.stdout).not.toMatch(/pki-validation|file \//);
    const wizard = certkit([
      '--store',
      join(dir, 's3'),
      'csr',
      '--wizard',
      '--product',
      'wildcard',
      '-d',
      '*.example.com',
      '-d',
      'example.com',
      '--yes',
      '--out-dir',
      join(dir, 'o3'),
    ]);
    expect(wizard.code, wizard.stderr).toBe(0);
    expect(wizard.stdout).toMatch(/^ {3}DNS: {3}CNAME /m);
    expect(wizard.stdout).toMatch(/^ {3}Email: /m);
    expect(wizard.stdout).not.toMatch(/HTTP:|pki-validation/);
    // a name without a wildcard keeps the HTTP file form
    const plain = csr(['-d', 'www.example.com']);
    expect(plain.stdout).toMatch(/^DCV {3}file \/\.well-known\/pki-validation\//m);
  });

  it('--private-ca: no Sectigo DCV at all (an internal CA has no such step)', () => {
    const r = csr(['-d', 'pbx.office.lan', '--private-ca', '--name', 'pbx']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/DCV|sectigo/i);
  });

  it('--json of key, selfsigned and csr --dry-run carries schemaVersion', () => {
    const dir = tempDir();
    for (const args of [
      ['key', '--out', join(dir, 'k.pem')],
      ['key', '--out', join(dir, 'k2.pem'), '--dry-run'],
      ['selfsigned', '-d', 'appliance.example.com'],
      ['selfsigned', '-d', 'appliance.example.com', '--dry-run'],
      ['csr', '-d', 'shop.example.com', '--dry-run', '--out-dir', join(dir, 'o')],
    ]) {
      const r = certkit(['--json', '--store', join(dir, 'store'), ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).schemaVersion, args.join(' ')).toBe(1);
    }
  });
});
