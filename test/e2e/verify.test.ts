/** certkit verify, and the trust decisions check / inspect take from the same path validator. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { certkit } from '../helpers/cli.js';
import { issue, makePfx, makeRoot, openssl, read, tempDir, type IssuedCert } from '../helpers/openssl.js';

let dir: string;
let root: IssuedCert;
let ica: IssuedCert;
let leaf: IssuedCert;

beforeAll(() => {
  dir = tempDir('certkit-verify-');
  root = makeRoot(dir);
  ica = issue(dir, 'ica', root, { cn: 'certkit Test ICA', ca: true, days: 365 });
  leaf = issue(dir, 'leaf', ica, { cn: 'www.example.test', sans: ['www.example.test', '192.0.2.10'] });
});

const trustOnly = (...roots: string[]) => [...roots.flatMap((r) => ['--ca-file', r]), '--no-system-roots'];
/** certkit check FILE trusting only the test root, for these names */
const checkFile = (file: string, names: string[], json = false) =>
  certkit([
    ...(json ? ['--json'] : []),
    'check',
    file,
    ...trustOnly(root.certFile),
    ...names.flatMap((n) => ['--name', n]),
  ]);

describe('certkit verify', () => {
  it('a good chain: exit 0, the path named leaf to anchor, for a DNS name and an IP', () => {
    const r = certkit([
      'verify',
      leaf.certFile,
      '--chain',
      ica.certFile,
      ...trustOnly(root.certFile),
      '--name',
      'www.example.test',
      '--name',
      '192.0.2.10',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^VALID for www\.example\.test, 192\.0\.2\.10/);
    expect(r.stdout).toMatch(
      /\[0\] CN=www\.example\.test\n[\s\S]*\[1\] CN=certkit Test ICA\n[\s\S]*\[2\] CN=certkit Test Root \(trust anchor\)/,
    );
  });

  it('--json has schemaVersion, the path with roles, and problems with stable ids', () => {
    const r = certkit([
      '--json',
      'verify',
      leaf.certFile,
      '--chain',
      ica.certFile,
      ...trustOnly(root.certFile),
      '--name',
      'other.example.test',
    ]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.schemaVersion).toBe(1);
    expect(j.valid).toBe(false);
    expect(j.path.map((p: { role: string }) => p.role)).toEqual(['leaf', 'intermediate', 'anchor']);
    expect(j.problems.map((p: { id: string }) => p.id)).toEqual(['hostname-mismatch']);
  });

  it('expired at --at, not yet valid before, untrusted without the root, incomplete without the intermediate', () => {
    const base = ['verify', leaf.certFile, '--chain', ica.certFile];
    const later = certkit([...base, ...trustOnly(root.certFile), '--at', '2099-01-01T00:00:00Z']);
    expect(later.code).toBe(1);
    expect(later.stdout).toMatch(/expired +the certificate expired/);
    const before = certkit([...base, ...trustOnly(root.certFile), '--at', '2001-01-01T00:00:00Z']);
    expect(before.stdout).toMatch(/not-yet-valid/);
    const other = makeRoot(dir, 'other-root', 'Another Root');
    const untrusted = certkit([...base, ...trustOnly(other.certFile)]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stdout).toMatch(/incomplete-chain +the chain stops at "CN=certkit Test ICA"/);
    const noIca = certkit(['verify', leaf.certFile, ...trustOnly(root.certFile)]);
    expect(noIca.stdout).toMatch(
      /incomplete-chain +the chain stops at "CN=www\.example\.test": its issuer "CN=certkit Test ICA"/,
    );
  });

  it('an intermediate that is not a CA may not issue (not-a-ca), and says so', () => {
    const notCa = issue(dir, 'not-ca', root, { cn: 'Not A CA', sans: ['not-a-ca.example.test'] });
    const child = issue(dir, 'child', notCa, { cn: 'child.example.test', sans: ['child.example.test'] });
    const r = certkit(['verify', child.certFile, '--chain', notCa.certFile, ...trustOnly(root.certFile)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/not-a-ca +"CN=Not A CA" is not a CA/);
  });

  it('an issuer with the right name but another key is refused with the reason', () => {
    const impostor = issue(dir, 'impostor', root, { cn: 'certkit Test ICA', ca: true });
    const r = certkit(['verify', leaf.certFile, '--chain', impostor.certFile, ...trustOnly(root.certFile)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /bad-signature +no issuer of "CN=www\.example\.test" verifies its signature: "CN=certkit Test ICA" has the issuer's name but its key did not sign/,
    );
  });

  it('finds the cross-signed path when the first candidate issuer is expired, or leads to an untrusted root', () => {
    const d = tempDir('certkit-xsign-');
    const oldRoot = makeRoot(d, 'old-root', 'Old Root');
    const newRoot = makeRoot(d, 'new-root', 'New Root');
    const expiredIca = issue(d, 'ica-old', oldRoot, {
      cn: 'Shared ICA',
      ca: true,
      notBefore: '20200101000000Z',
      notAfter: '20210101000000Z',
    });
    const crossIca = issue(d, 'ica-cross', newRoot, {
      cn: 'Shared ICA',
      ca: true,
      existingKey: expiredIca.keyFile,
      days: 365,
    });
    const l = issue(d, 'leaf', expiredIca, { cn: 'x.example.test', sans: ['x.example.test'] });
    const chain = ['--chain', expiredIca.certFile, '--chain', crossIca.certFile];
    const both = certkit([
      'verify',
      l.certFile,
      ...chain,
      ...trustOnly(oldRoot.certFile, newRoot.certFile),
      '--name',
      'x.example.test',
    ]);
    expect(both.stdout).toMatch(/VALID/);
    expect(both.stdout).toMatch(/\[2\] CN=New Root \(trust anchor\)/);
    expect(both.code).toBe(0);
    const onlyNew = certkit(['verify', l.certFile, ...chain, ...trustOnly(newRoot.certFile)]);
    expect(onlyNew.code).toBe(0);
    const onlyOld = certkit(['verify', l.certFile, ...chain, ...trustOnly(oldRoot.certFile)]);
    expect(onlyOld.code).toBe(1);
    expect(onlyOld.stdout).toMatch(/expired +"CN=Shared ICA" expired 2021-01-01/);
  });

  it('bad input is a certkit: message and exit 2', () => {
    for (const args of [
      ['--name', 'not a name'],
      ['--at', 'yesterday'],
      ['--purpose', 'email'],
      ['--no-system-roots'],
    ]) {
      const r = certkit(['verify', leaf.certFile, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^certkit: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const notCert = join(dir, 'junk.pem');
    writeFileSync(notCert, 'hello\n');
    expect(certkit(['verify', notCert]).code).toBe(2);
  });
});

describe('the same verdict in check and inspect', () => {
  it('a certificate with an empty subject gets a verdict, not exit 70 (verify, inspect, check)', () => {
    const d = tempDir('certkit-empty-subject-');
    const newEcKey = 'req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /'.split(' ');
    openssl([...newEcKey, '-keyout', join(d, 'e.key'), '-out', join(d, 'e.csr')]);
    writeFileSync(
      join(d, 'ext'),
      'subjectAltName=critical,DNS:empty.example.test\nextendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\n',
    );
    const signByIca = ['x509', '-req', '-CA', ica.certFile, '-CAkey', ica.keyFile, '-days', '90'];
    openssl([...signByIca, '-in', join(d, 'e.csr'), '-out', join(d, 'e.pem'), '-extfile', join(d, 'ext')]);
    expect(openssl(['x509', '-in', join(d, 'e.pem'), '-noout', '-subject']).trim()).toBe('subject=');
    const v = certkit([
      'verify',
      join(d, 'e.pem'),
      '--chain',
      ica.certFile,
      ...trustOnly(root.certFile),
      '--name',
      'empty.example.test',
    ]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/\[0\] \(empty name\)/);
    const i = certkit(['inspect', join(d, 'e.pem'), ...trustOnly(root.certFile)]);
    expect(i.code).toBe(0);
    expect(i.stdout).toMatch(/trusted +no \(the chain stops at "\(empty name\)"/);
    writeFileSync(join(d, 'full.pem'), read(join(d, 'e.pem')) + read(ica.certFile));
    const c = checkFile(join(d, 'full.pem'), ['empty.example.test']);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^OK /m);
  });

  it('check FILE --name: a name the certificate does not cover is CRITICAL hostname-mismatch', () => {
    const d = tempDir('certkit-check-name-');
    writeFileSync(join(d, 'fullchain.pem'), read(leaf.certFile) + read(ica.certFile));
    const ok = checkFile(join(d, 'fullchain.pem'), ['www.example.test']);
    expect(ok.code).toBe(0);
    const bad = checkFile(join(d, 'fullchain.pem'), ['mail.example.test'], true);
    expect(bad.code).toBe(2);
    const f = JSON.parse(bad.stdout).targets[0].findings;
    expect(f).toEqual([expect.objectContaining({ id: 'hostname-mismatch', severity: 'CRITICAL' })]);
    const noRoots = certkit(['--json', 'check', join(d, 'fullchain.pem'), '--no-system-roots']);
    expect(JSON.parse(noRoots.stdout).targets[0].findings.map((x: { id: string }) => x.id)).toEqual([
      'incomplete-chain',
    ]);
  });

  it('certkit selfsigned then check store is WARNING self-signed (OK with --allow-self-signed), not CRITICAL', () => {
    const store = join(tempDir('certkit-ss-'), 'store');
    expect(certkit(['--store', store, 'selfsigned', '-d', 'pbx.example.test']).code).toBe(0);
    const r = certkit(['--store', store, '--json', 'check', 'store']);
    const t = JSON.parse(r.stdout).targets[0];
    expect(t.status).toBe('WARNING');
    expect(t.findings).toEqual([expect.objectContaining({ id: 'self-signed', severity: 'WARNING' })]);
    expect(r.code).toBe(1);
    const allowed = certkit(['--store', store, 'check', 'store', '--allow-self-signed', 'store:pbx.*']);
    expect(allowed.code).toBe(0);
    const strict = certkit(['--store', store, 'check', 'store', '--strict']);
    expect(strict.code).toBe(2);
  });
});

describe('verify of a password-protected .pfx (found by the QA run)', () => {
  it('reads it with --password-file or CERTKIT_PASSWORD; without a password it says how to give one', () => {
    const pfx = join(dir, 'site.pfx');
    const pw = join(dir, 'pfx-password');
    writeFileSync(pw, 's3cret-pfx\n');
    writeFileSync(join(dir, 'chain-for-pfx.pem'), read(ica.certFile));
    makePfx(pfx, leaf, 's3cret-pfx', { chainFile: join(dir, 'chain-for-pfx.pem') });
    const args = ['verify', pfx, ...trustOnly(root.certFile), '--no-revocation'];
    const none = certkit(args);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/password/);
    const withFile = certkit([...args, '--password-file', pw]);
    expect(withFile.code, withFile.stderr).toBe(0);
    const withEnv = certkit(args, { env: { CERTKIT_PASSWORD: 's3cret-pfx' } });
    expect(withEnv.code, withEnv.stderr).toBe(0);
    for (const r of [none, withFile, withEnv]) expect(r.stdout + r.stderr).not.toContain('s3cret-pfx');
  });
});

describe('QA: verify input the QA run found handled wrongly', () => {
  it('a file with two end-entity certificates says so and which one it validates (it was silent)', () => {
    const mail = issue(dir, 'mail', ica, { cn: 'mail.example.test', sans: ['mail.example.test'] });
    const twoleaf = join(dir, 'twoleaf.pem');
    writeFileSync(twoleaf, read(leaf.certFile) + read(mail.certFile) + read(ica.certFile));
    for (const json of [[], ['--json']]) {
      const r = certkit([...json, 'verify', twoleaf, ...trustOnly(root.certFile), '--no-revocation']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr.trim()).toBe(
        `note: ${twoleaf} holds 2 end-entity certificates (CN=www.example.test; CN=mail.example.test); this validates CN=www.example.test only (give each in a file of its own to validate it)`,
      );
      if (json.length) expect(JSON.parse(r.stdout).path[0].subject).toBe('CN=www.example.test');
    }
  });

  it('--name with an IDN is checked in its punycode form, and both forms are shown', () => {
    const idn = issue(dir, 'idn', ica, { cn: 'xn--bcher-kva.de', sans: ['xn--bcher-kva.de'] });
    const args = [
      'verify',
      idn.certFile,
      '--chain',
      ica.certFile,
      ...trustOnly(root.certFile),
      '--no-revocation',
    ];
    const ok = certkit([...args, '--name', 'bücher.de']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^VALID for xn--bcher-kva\.de \(bücher\.de\) at /);
    const other = certkit([...args, '--name', 'müller.de']);
    expect(other.code).toBe(1);
    expect(other.stdout).toMatch(/^INVALID for xn--mller-kva\.de \(müller\.de\) at /);
    expect(other.stdout).toMatch(/hostname-mismatch/);
    const json = JSON.parse(certkit(['--json', ...args, '--name', 'bücher.de']).stdout);
    expect(json.names).toEqual(['xn--bcher-kva.de']);
  });
});
