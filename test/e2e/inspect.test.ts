import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/apache.js';
import { certkit, certkitJson } from '../helpers/cli.js';
import { asUnprivileged } from '../helpers/unprivileged.js';
import { makeChain, makePfx, openssl, opensslFacts, read, tempDir } from '../helpers/openssl.js';

let dir: string;
let pki: ReturnType<typeof makeChain>;

function pfx(
  name: string,
  leaf: { certFile: string; keyFile: string },
  legacy: boolean,
  password = 'pfx-secret',
) {
  return makePfx(join(dir, name), leaf, password, { chainFile: join(dir, 'chain-up.pem'), legacy });
}

beforeAll(() => {
  dir = tempDir();
  pki = makeChain(dir);
  writeFileSync(join(dir, 'chain-up.pem'), read(pki.int.certFile) + read(pki.root.certFile));
  writeFileSync(join(dir, 'fullchain-ec.pem'), read(pki.ecLeaf.certFile) + read(pki.int.certFile));
  writeFileSync(
    join(dir, 'reversed.pem'),
    read(pki.root.certFile) + read(pki.int.certFile) + read(pki.rsaLeaf.certFile),
  );
  openssl(['x509', '-in', pki.rsaLeaf.certFile, '-outform', 'DER', '-out', join(dir, 'leaf.der')]);
  const p7args = [
    'crl2pkcs7',
    '-nocrl',
    '-certfile',
    pki.root.certFile,
    '-certfile',
    pki.ecLeaf.certFile,
    '-certfile',
    pki.int.certFile,
  ];
  openssl([...p7args, '-out', join(dir, 'bundle.p7b')]);
  openssl([...p7args, '-outform', 'DER', '-out', join(dir, 'bundle-der.p7b')]);
  pfx('rsa-modern.pfx', pki.rsaLeaf, false);
  pfx('rsa-legacy.pfx', pki.rsaLeaf, true);
  pfx('ec-modern.pfx', pki.ecLeaf, false);
  pfx('ec-legacy.pfx', pki.ecLeaf, true);
  writeFileSync(join(dir, 'pfx-password'), 'pfx-secret\n');
  openssl(['rsa', '-in', pki.rsaLeaf.keyFile, '-traditional', '-out', join(dir, 'pkcs1.key')]);
  openssl(['ec', '-in', pki.ecLeaf.keyFile, '-out', join(dir, 'sec1.key')]);
  openssl([
    'pkey',
    '-in',
    pki.rsaLeaf.keyFile,
    '-aes256',
    '-passout',
    'pass:keypass',
    '-out',
    join(dir, 'enc-pkcs8.key'),
  ]);
  openssl([
    'rsa',
    '-in',
    pki.rsaLeaf.keyFile,
    '-aes256',
    '-traditional',
    '-passout',
    'pass:keypass',
    '-out',
    join(dir, 'enc-legacy.key'),
  ]);
  openssl([
    'req',
    '-new',
    '-key',
    pki.ecLeaf.keyFile,
    '-subj',
    '/CN=csr.example.test',
    '-addext',
    'subjectAltName=DNS:csr.example.test,IP:10.1.2.3',
    '-out',
    join(dir, 'req.csr'),
  ]);
  writeFileSync(
    join(dir, 'crlf-bom.pem'),
    '\ufeff' + (read(pki.ecLeaf.certFile) + read(pki.int.certFile)).replace(/\n/g, '\r\n'),
  );
  // garbage
  writeFileSync(
    join(dir, 'syslog.log'),
    'Nov 24 10:00:00 host sshd[1]: Accepted publickey for root\n'.repeat(20),
  );
  const pem = read(pki.rsaLeaf.certFile);
  writeFileSync(join(dir, 'truncated.pem'), pem.slice(0, pem.length / 2));
  writeFileSync(join(dir, 'empty.pem'), '');
  writeFileSync(
    join(dir, 'image.png'),
    Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4830000000049454e44ae426082',
      'hex',
    ),
  );
});

describe('certkit inspect: facts match openssl', () => {
  it('reads a PEM certificate exactly as openssl does', () => {
    const r = certkitJson(['inspect', pki.rsaLeaf.certFile]);
    const c = r.inputs[0].certificates[0];
    const o = opensslFacts(pki.rsaLeaf.certFile);
    expect(c.commonName).toBe(o.subjectCN);
    expect(c.issuerCommonName).toBe(o.issuerCN);
    expect(c.serial.replace(/^0+/, '')).toBe(o.serial.replace(/^0+/, ''));
    expect(new Date(c.notAfter).getTime()).toBe(o.notAfter.getTime());
    expect(c.fingerprintSha256).toBe(o.fingerprint);
    expect([
      ...c.dnsNames.map((n: string) => `DNS:${n}`),
      ...c.ipAddresses.map((n: string) => `IP:${n}`),
    ]).toEqual(o.sans);
    expect(c.key).toEqual({ type: 'rsa', bits: 2048 });
    expect(c.signatureAlgorithm).toBe('ecdsa-with-SHA256');
    expect(c.ocspUrls).toEqual(['http://ocsp.example.test/']);
    expect(c.caIssuersUrls).toEqual(['http://127.0.0.1:9/int.der']);
    expect(c.isCA).toBe(false);
    expect(c.selfSigned).toBe(false);
    expect(c.daysLeft).toBeGreaterThanOrEqual(88);
    expect(c.daysLeft).toBeLessThanOrEqual(90);
  });

  it('reads a DER certificate', () => {
    const r = certkitJson(['inspect', join(dir, 'leaf.der')]);
    expect(r.inputs[0].format).toBe('der');
    expect(r.inputs[0].certificates[0].fingerprintSha256).toBe(
      opensslFacts(join(dir, 'leaf.der'), 'DER').fingerprint,
    );
  });

  it('reports a reversed chain and shows it leaf-first, reaching a trusted root with --ca-file', () => {
    const r = certkitJson(['inspect', join(dir, 'reversed.pem'), '--ca-file', pki.root.certFile]);
    const input = r.inputs[0];
    const fp = (f: string) => opensslFacts(f).fingerprint;
    expect(input.chain.order).toEqual([
      fp(pki.rsaLeaf.certFile),
      fp(pki.int.certFile),
      fp(pki.root.certFile),
    ]);
    expect(input.chain.givenOrderWrong).toBe(true);
    expect(input.chain.reachesSelfSignedRoot).toBe(true);
    expect(input.chain.trusted).toBe(true);
    const human = certkit(['inspect', join(dir, 'reversed.pem')]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/given order was wrong/);
    expect(human.stdout).toMatch(/\[2\] → \[1\] → \[0\]/);
  });

  it('an ECDSA chain in the right order, untrusted without its root and trusted with it', () => {
    const without = certkitJson(['inspect', join(dir, 'fullchain-ec.pem')]);
    expect(without.inputs[0].chain.givenOrderWrong).toBe(false);
    expect(without.inputs[0].chain.trusted).toBe(false);
    expect(without.inputs[0].chain.missingIssuer).toBe('CN=certkit Test Root');
    expect(without.inputs[0].certificates[0].key).toEqual({ type: 'ec', curve: 'prime256v1', bits: 256 });
    const withRoot = certkitJson(['inspect', join(dir, 'fullchain-ec.pem'), '--ca-file', pki.root.certFile]);
    expect(withRoot.inputs[0].chain.trusted).toBe(true);
  });

  it('tolerates CRLF line ends and a BOM', () => {
    const r = certkitJson(['inspect', join(dir, 'crlf-bom.pem')]);
    expect(r.inputs[0].certificates).toHaveLength(2);
    expect(r.inputs[0].certificates[0].fingerprintSha256).toBe(opensslFacts(pki.ecLeaf.certFile).fingerprint);
  });

  for (const name of ['bundle.p7b', 'bundle-der.p7b']) {
    it(`reads PKCS#7 ${name} (an unordered set) and orders it`, () => {
      const r = certkitJson(['inspect', join(dir, name)]);
      expect(r.inputs[0].format).toBe(name.includes('der') ? 'pkcs7-der' : 'pkcs7-pem');
      expect(r.inputs[0].certificates).toHaveLength(3);
      expect(r.inputs[0].chain.order[0]).toBe(opensslFacts(pki.ecLeaf.certFile).fingerprint);
      expect(r.inputs[0].chain.order).toHaveLength(3);
    });
  }

  for (const [name, leafKey] of [
    ['rsa-modern.pfx', 'rsaLeaf'],
    ['rsa-legacy.pfx', 'rsaLeaf'],
    ['ec-modern.pfx', 'ecLeaf'],
    ['ec-legacy.pfx', 'ecLeaf'],
  ] as const) {
    it(`reads PKCS#12 ${name} with the password from the environment and from a file`, () => {
      const leaf = pki[leafKey];
      const viaEnv = certkitJson(['inspect', join(dir, name)], { env: { CERTKIT_PASSWORD: 'pfx-secret' } });
      const input = viaEnv.inputs[0];
      expect(input.format).toBe('pkcs12');
      expect(input.certificates).toHaveLength(3);
      expect(input.chain.order[0]).toBe(opensslFacts(leaf.certFile).fingerprint);
      expect(input.keys).toHaveLength(1);
      expect(input.keys[0].matchesCertificate).toBe(opensslFacts(leaf.certFile).fingerprint);
      const viaFile = certkitJson(['inspect', join(dir, name), '--password-file', join(dir, 'pfx-password')]);
      expect(viaFile.inputs[0].chain.order).toEqual(input.chain.order);
    });
  }

  it('a non-ASCII PKCS#12 password (pässwörd) opens modern (AES/PBKDF2) and legacy files as openssl does; a wrong one is still refused (QA round 4)', () => {
    for (const legacy of [false, true]) {
      const name = `umlaut-${legacy ? 'legacy' : 'modern'}.pfx`;
      pfx(name, pki.ecLeaf, legacy, 'pässwörd');
      const r = certkitJson(['inspect', join(dir, name)], { env: { CERTKIT_PASSWORD: 'pässwörd' } });
      expect(r.inputs[0].keys[0].matchesCertificate).toBe(opensslFacts(pki.ecLeaf.certFile).fingerprint);
      const wrong = certkit(['inspect', join(dir, name)], { env: { CERTKIT_PASSWORD: 'pässwort' } });
      expect([wrong.code, wrong.stderr]).toEqual([2, expect.stringMatching(/password is wrong/)]);
    }
  });

  it('a wrong PKCS#12 password is one line and exit 2', () => {
    const r = certkit(['inspect', join(dir, 'rsa-modern.pfx')], { env: { CERTKIT_PASSWORD: 'wrong' } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/password is wrong/);
  });

  it('reads PKCS#1, PKCS#8 and SEC1 keys and detects encrypted ones', () => {
    const r = certkitJson([
      'inspect',
      join(dir, 'pkcs1.key'),
      pki.rsaLeaf.keyFile,
      join(dir, 'sec1.key'),
      join(dir, 'enc-pkcs8.key'),
      join(dir, 'enc-legacy.key'),
    ]);
    const keys = r.inputs.map((i: any) => i.keys[0]);
    expect(keys[0]).toMatchObject({ encoding: 'pkcs1', type: 'rsa', bits: 2048, encrypted: false });
    expect(keys[1]).toMatchObject({ encoding: 'pkcs8', type: 'rsa', encrypted: false });
    expect(keys[2]).toMatchObject({ encoding: 'sec1', type: 'ec', curve: 'prime256v1', encrypted: false });
    expect(keys[3]).toMatchObject({ encoding: 'pkcs8', encrypted: true });
    expect(keys[4]).toMatchObject({ encoding: 'pkcs1', encrypted: true });
    const human = certkit(['inspect', join(dir, 'enc-pkcs8.key')]);
    expect(human.stdout).toMatch(/encrypted private key/);
  });

  it('reads a CSR with its names and key', () => {
    const r = certkitJson(['inspect', join(dir, 'req.csr')]);
    const csr = r.inputs[0].csrs[0];
    expect(csr.commonName).toBe('csr.example.test');
    expect(csr.dnsNames).toEqual(['csr.example.test']);
    expect(csr.ipAddresses).toEqual(['10.1.2.3']);
    expect(csr.key.type).toBe('ec');
    expect(csr.signatureValid).toBe(true);
  });

  it('--key says whether key and certificate match (exit 0 / 1)', () => {
    const ok = certkit(['inspect', pki.rsaLeaf.certFile, '--key', join(dir, 'pkcs1.key')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/matches the certificate/);
    const bad = certkit(['inspect', pki.rsaLeaf.certFile, '--key', pki.ecLeaf.keyFile]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/does not belong to this certificate/);
    const encRun = certkit(['--json', 'inspect', pki.rsaLeaf.certFile, '--key', join(dir, 'enc-pkcs8.key')]);
    expect(encRun.code).toBe(1);
    const enc = JSON.parse(encRun.stdout);
    expect(enc.keyMatch.matches).toBe(false);
    expect(enc.keyMatch.problem).toMatch(/encrypted/);
    const encOk = certkit(['inspect', pki.rsaLeaf.certFile, '--key', join(dir, 'enc-pkcs8.key')], {
      env: { CERTKIT_PASSWORD: 'keypass' },
    });
    expect(encOk.code).toBe(0);
  });

  it('reads stdin with -', () => {
    const r = certkitJson(['inspect', '-'], { input: readFileSync(join(dir, 'reversed.pem')) });
    expect(r.inputs[0].source).toBe('<stdin>');
    expect(r.inputs[0].chain.givenOrderWrong).toBe(true);
  });

  it('reads a directory recursively and skips what is not certificate material', () => {
    const sub = tempDir();
    copyFileSync(pki.rsaLeaf.certFile, join(sub, 'a.pem'));
    copyFileSync(join(dir, 'syslog.log'), join(sub, 'notes.log'));
    const r = certkitJson(['inspect', sub]);
    expect(r.inputs).toHaveLength(1);
    expect(r.skipped).toHaveLength(1);
  });
});

describe('certkit inspect: garbage gets one line and exit 2', () => {
  for (const [name, pattern] of [
    ['syslog.log', /not a certificate, key, CSR, PKCS#7 or PKCS#12 file/],
    ['truncated.pem', /truncated PEM/],
    ['empty.pem', /empty/],
    ['image.png', /not a certificate/],
    ['does-not-exist.pem', /no such file/],
  ] as const) {
    it(name, () => {
      const r = certkit(['inspect', join(dir, name)]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('a stack trace appears only with --debug', () => {
    const r = certkit(['--debug', 'inspect', join(dir, 'syslog.log')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('an unknown option is a usage error with exit 2', () => {
    const r = certkit(['inspect', '--frobnicate', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
  });
});

describe('QA bugs', () => {
  it('QA: inspect of a refused port names the address once, not twice', async () => {
    const port = await freePort();
    const r = certkit(['inspect', `127.0.0.1:${port}`, '--timeout', '5']);
    expect(r.code).toBe(6);
    expect(r.stderr.trim()).toBe(`certkit: 127.0.0.1:${port}: connection refused`);
  });

  it('QA: inspect --timeout 0 is refused as bad input, not a timeout', () => {
    const r = certkit(['inspect', '127.0.0.1:443', '--timeout', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^certkit: --timeout must be more than 0/);
  });
});

describe('QA: what an argument that is not a readable file is', () => {
  it('a missing file without an extension is "no such file" (exit 2), not a host that does not resolve (exit 6)', () => {
    const r = certkit(['inspect', 'fullchain'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "certkit: fullchain: no such file (a server's chain is read from HOST:PORT)",
    );
    const pem = certkit(['inspect', 'nosuch.pem'], { cwd: tempDir() });
    expect(pem.code).toBe(2);
    expect(pem.stderr.trim()).toBe('certkit: nosuch.pem: no such file');
    // a dotted host name is still a server on port 443, as `check` takes it (nothing listens there here)
    const host = certkit(['inspect', '127.0.0.1', '--timeout', '3'], { cwd: tempDir() });
    expect(host.stderr).not.toMatch(/no such file/);
    expect(host.stderr).toMatch(/127\.0\.0\.1/);
    expect(host.code).toBe(6);
  });

  it('a symlink loop is said as one (exit 2)', () => {
    const d = tempDir();
    symlinkSync('loop2', join(d, 'loop1'));
    symlinkSync('loop1', join(d, 'loop2'));
    const r = certkit(['inspect', 'loop1'], { cwd: d });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('certkit: loop1: too many levels of symbolic links');
  });

  it('HOST:PORT with a port out of range is said so (exit 2), not "no such file"', () => {
    for (const spec of ['127.0.0.1:99999', '[::1]:0']) {
      const r = certkit(['inspect', spec]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(
        new RegExp(`^certkit: \\S+: port \\d+ is out of range \\(1 to 65535\\)$`),
      );
    }
  });

  it('an empty directory is one line and exit 2, not silence and exit 0', () => {
    const d = tempDir();
    mkdirSync(join(d, 'sub'));
    const r = certkit(['inspect', d]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(`certkit: ${d} holds no files`);
  });

  it('a directory that cannot be read is "cannot read DIR (EACCES)" exit 8, not "skipped 1 file(s)" exit 0', () => {
    const top = tempDir();
    chmodSync(top, 0o755);
    const d = join(top, 'locked');
    mkdirSync(d);
    copyFileSync(pki.rsaLeaf.certFile, join(d, 'a.pem'));
    chmodSync(d, 0o000);
    const r = asUnprivileged(['inspect', d]);
    expect(r.code).toBe(8);
    expect(r.stderr.trim()).toBe(`certkit: cannot read ${d} (EACCES) (run as a user who can read it)`);
    // below a directory that was given, one that cannot be listed is skipped and said as a directory
    copyFileSync(pki.ecLeaf.certFile, join(top, 'b.pem'));
    const below = asUnprivileged(['inspect', top]);
    expect(below.code).toBe(0);
    expect(below.stdout).toMatch(/b\.pem \(PEM: 1 certificate\)/);
    expect(below.stdout).toContain(`skipped ${d}: cannot list the directory (EACCES)`);
    expect(below.stdout).not.toMatch(/skipped \d+ file/);
  });
});
